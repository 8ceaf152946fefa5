"""`uniintervene experiment`: the run plan, resuming, the controls waiting for their
reference, and the aggregation over seeds (runs here are stand-in processes that write a
summary; the real training loop is test_hilrl's)."""

import json
import sys

import numpy as np
import pytest

from uniintervene_experiments import run_executors, runs_report
from uniintervene_experiments.experiment import RunSpec, finished, plan, run_all, run_settings
from uniintervene_experiments.run_executors import LocalExecutor


def summary(task, system, seed, sr, ir, steps=100) -> dict:
    return {
        "task": task, "system": system, "seed": seed, "final_success_rate": sr,
        "human_intervention_rate": ir, "autonomous_interventions_per_episode": 1.0,
        "wall_seconds": 60.0, "control_rates": {"policy_ticks_per_trigger": 20.0,
                                                "ticks_per_recovery": 3.0},
        "curve": [
            {"env_step": 0, "success_rate": 0.0, "human_intervention_rate": 0.0,
             "human_ticks": 0},
            {"env_step": steps, "success_rate": sr, "human_intervention_rate": ir,
             "human_ticks": int(ir * steps)},
        ],
        "config": {"steps": steps, "final_eval_episodes": 20, "sac": {}, "updates_per_step": 1},
    }  # fmt: skip


def write_run(out, spec: RunSpec, **values):
    folder = spec.folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(
        json.dumps(summary(spec.task, spec.system, spec.seed, **values))
    )


def test_plan_runs_uniintervene_before_the_controls_and_ablations_on_their_tasks():
    specs = plan(["pick_eggplant", "wipe"], ["zero_recovery", "hil_serl", "uniintervene"],
                 [0, 1], ablations=True)  # fmt: skip
    systems = [s.system for s in specs]
    assert systems.index("zero_recovery") > max(
        i for i, s in enumerate(systems) if s == "uniintervene"
    )
    ablated = {s.task for s in specs if s.system.startswith("without_")}
    assert ablated == {"pick_eggplant"}  # wipe is not an ablation task
    assert len(specs) == 2 * 3 * 2 + 4 * 2
    with pytest.raises(ValueError, match="include uniintervene"):
        plan(["wipe"], ["periodic_trigger"], [0], False)


def test_finished_runs_are_kept_unfinished_ones_restart_controls_wait(tmp_path, monkeypatch):
    specs = plan(["wipe"], ["uniintervene", "zero_recovery", "hil_serl"], [0], False)
    done = RunSpec("wipe", "hil_serl", 0)
    write_run(tmp_path, done, sr=0.5, ir=0.2)
    partial = RunSpec("wipe", "uniintervene", 0).folder(tmp_path)
    (partial / "prior").mkdir(parents=True)  # a run stopped half way
    started = []

    def stand_in(spec, out, options, models):
        started.append(spec.system)
        if spec.system == "zero_recovery":  # its reference is finished by now
            assert finished(out, spec.reference())
        text = json.dumps(summary(spec.task, spec.system, spec.seed, 0.4, 0.1))
        script = (
            "import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.mkdir(parents=True); "
            "(p / 'summary.json').write_text(sys.argv[2])"
        )
        return [sys.executable, "-c", script, str(spec.folder(out)), text]

    monkeypatch.setattr(run_executors, "hilrl_argv", stand_in)
    local = LocalExecutor(tmp_path, [], tmp_path / "models", jobs=2)
    assert run_all(specs, tmp_path, local) == []
    assert started == ["uniintervene", "zero_recovery"]  # hil_serl was finished
    assert all(finished(tmp_path, s) for s in specs)
    assert run_all(specs, tmp_path, local) == [] and len(started) == 2


def test_aggregate_reports_the_spread_over_seeds_and_the_targets(tmp_path):
    values = {  # (task, system) -> per-seed (success, human IR)
        ("pick_eggplant", "hil_serl"): [(0.5, 0.30), (0.7, 0.40)],
        ("ram_insertion", "hil_serl"): [(0.6, 0.20), (0.6, 0.30)],
        ("pick_eggplant", "uniintervene"): [(0.8, 0.10), (0.6, 0.10)],
        ("ram_insertion", "uniintervene"): [(0.7, 0.10), (0.9, 0.05)],
    }
    for (task, system), per_seed in values.items():
        for seed, (sr, ir) in enumerate(per_seed):
            write_run(tmp_path, RunSpec(task, system, seed), sr=sr, ir=ir)
    results = runs_report.write(tmp_path)
    pick = results["uniintervene"]["per_task"]["pick_eggplant"]
    assert pick["final_success_rate"]["mean"] == pytest.approx(0.7)
    assert pick["final_success_rate"]["std"] == pytest.approx(np.std([0.8, 0.6], ddof=1))
    average = results["uniintervene"]["average"]
    # per seed: mean over tasks; then mean and spread over seeds
    assert average["final_success_rate"]["per_seed"] == pytest.approx([0.75, 0.75])
    assert average["human_intervention_rate"]["mean"] == pytest.approx(0.0875)
    base_ir = np.mean([0.25, 0.35])
    assert results["targets"]["human_ir_ratio"] == pytest.approx(0.0875 / base_ir)
    assert results["targets"]["success_gain_points"] == pytest.approx(100 * (0.75 - 0.6))
    assert results["targets"]["met"]
    curve = results["hil_serl"]["curves"]["pick_eggplant"]
    assert curve[-1]["success_rate"] == pytest.approx(0.6)
    text = (tmp_path / "results.md").read_text()
    assert "| HiL-SERL + UniIntervene | 70±14 / 10.0±0.0 |" in text and "Targets met" in text
    for name in ("ir_over_training", "success_over_training", "success_vs_human_ticks"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5000
    assert json.loads((tmp_path / "results.json").read_text())["config"]["steps"] == 100


def test_a_finished_run_of_another_budget_is_refused_not_mixed(tmp_path):
    spec = RunSpec("wipe", "hil_serl", 0)
    write_run(tmp_path, spec, sr=0.5, ir=0.2)  # made with 100 steps
    options = ["--steps", "100", "--updates-per-step", "1", "--hidden", "128", "128",
               "--demos", "20", "--final-eval-episodes", "20",
               "--recovery-max-ticks", "40"]  # fmt: skip
    settings = run_settings(options)
    assert settings == {"steps": 100, "updates_per_step": 1, "demos": 20,
                        "final_eval_episodes": 20, "recovery_max_ticks": 40,
                        "observation": "latent"}  # fmt: skip
    folder = spec.folder(tmp_path)
    summary_file = folder / "summary.json"
    made = json.loads(summary_file.read_text())
    made["config"] |= {"updates_per_step": 1, "demos": 20, "recovery_max_ticks": 40}
    summary_file.write_text(json.dumps(made))
    assert finished(tmp_path, spec, settings)
    with pytest.raises(ValueError, match="use another --out or the same settings"):
        finished(tmp_path, spec, {**settings, "steps": 30_000})
    # a run from before the observation setting was made with the latent; never with state
    assert "observation" not in made["config"]
    with pytest.raises(ValueError, match="'observation': 'latent'"):
        finished(tmp_path, spec, {**settings, "observation": "state"})


def test_the_table_says_how_far_uniintervene_is_from_each_oracle_and_when_it_fires(tmp_path):
    irs = {"hil_serl": 0.30, "uniintervene": 0.25, "oracle_recovery": 0.10, "oracle": 0.30}
    for system, ir in irs.items():
        for seed in (0, 1):
            spec = RunSpec("wipe", system, seed)
            write_run(tmp_path, spec, sr=0.5, ir=ir)
            if system == "uniintervene":  # it records its trigger's lead over the operator
                path = spec.folder(tmp_path) / "summary.json"
                made = json.loads(path.read_text())
                made["trigger_timing"] = {"trigger_first_share": 0.6 + 0.2 * seed,
                                          "takeovers_after_a_trigger_share": 0.5}  # fmt: skip
                path.write_text(json.dumps(made))
                record = {"trigger_leads_s": [1.0, -0.5], "takeover_leads_s": [0.4, None]}
                (spec.folder(tmp_path) / "trigger_timing.json").write_text(json.dumps(record))
    results = runs_report.write(tmp_path)
    assert results["ceilings"]["oracle_recovery"]["learned_share_of_cut"] == pytest.approx(0.25)
    assert results["ceilings"]["oracle"]["learned_share_of_cut"] is None  # no cut to share
    timing = results["uniintervene"]["per_task"]["wipe"]["trigger_first_share"]
    assert timing["mean"] == pytest.approx(0.7)
    assert "trigger_first_share" not in results["hil_serl"]["per_task"]["wipe"]
    text = (tmp_path / "results.md").read_text()
    assert "UniIntervene's share of its cut 0.25" in text and "| 70±14 | 50±0 |" in text
    assert (tmp_path / "trigger_lead.png").stat().st_size > 1000
