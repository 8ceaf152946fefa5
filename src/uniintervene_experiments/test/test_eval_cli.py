"""`uniintervene eval` as tools script against it: the documented results.json keys, on
tiny models built here (untrained: the interface, counting and reproducibility are what is
checked, not the figures)."""

import json

from uniintervene_experiments.cli import main


def test_eval_writes_the_documented_keys_and_is_reproducible(tmp_path, capsys, tiny_model_dir):
    runs = []
    for out in ("a", "b"):
        argv = ["eval", "--tasks", "pick_eggplant,tube_insertion", "--episodes", "1"]
        argv += ["--seed", "3", "--models", str(tiny_model_dir)]
        argv += ["--out", str(tmp_path / out), "--failure-rate", "1.0"]
        assert main(argv) == 0
        runs.append(json.loads((tmp_path / out / "results.json").read_text()))
    results = runs[0]
    for system in ("hil_serl", "failure_prediction", "uniintervene"):
        for scope in [results[system]["average"]] + [
            results[system]["per_task"][t] for t in ("pick_eggplant", "tube_insertion")
        ]:
            assert 0.0 <= scope["success_rate"] <= 1.0
            assert 0.0 <= scope["human_intervention_rate"] <= 1.0
    assert results["hil_serl"]["trigger_f1"] is None
    assert "trigger_f1" in results["uniintervene"] and "trigger_f1" in results["failure_prediction"]
    assert results["hil_serl"]["average"]["autonomous_interventions"] == 0.0
    assert results["config"]["recovery_max_ticks"] >= 1
    assert runs[0] == runs[1]  # same seed, same results
    assert "uniintervene" in capsys.readouterr().out


def test_eval_compares_the_value_risk_triggers_on_the_same_seeds(tmp_path, tiny_model_dir):
    argv = ["eval", "--tasks", "tube_insertion", "--episodes", "1", "--failure-rate", "1.0"]
    argv += ["--models", str(tiny_model_dir), "--out", str(tmp_path / "r")]
    argv += ["--systems", "uniintervene_learned_risk,uniintervene_rule_risk"]
    assert main(argv) == 0
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert {"uniintervene_learned_risk", "uniintervene_rule_risk"} <= set(results)
    assert "hil_serl" not in results  # only what was asked for
    # the learned head (threshold 0, re-armed at once) fires after its 5 warm-up ticks whenever
    # the supervisor lets it, and so does the rule
    for system in ("uniintervene_learned_risk", "uniintervene_rule_risk"):
        assert results[system]["average"]["autonomous_interventions"] >= 1, system
    assert main(["report", "--results", str(tmp_path / "r")]) == 0  # without hil_serl too
    table = (tmp_path / "r" / "results.md").read_text()
    assert "learned risk head" in table and "rule-based risk" in table


def test_eval_refuses_unknown_systems_and_controls_without_uniintervene(tmp_path, capsys):
    argv = ["eval", "--models", str(tmp_path), "--out", str(tmp_path / "r")]
    assert main([*argv, "--systems", "uniintervene,magic"]) == 2
    assert "unknown systems ['magic']" in capsys.readouterr().err
    assert main([*argv, "--systems", "periodic_trigger"]) == 2
    assert "include uniintervene" in capsys.readouterr().err
