"""`uniintervene eval` as tools script against it: the documented results.json keys, on
tiny models built here (untrained: the interface, counting and reproducibility are what is
checked, not the figures)."""

import json

from uniintervene_bringup.cli import main


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
