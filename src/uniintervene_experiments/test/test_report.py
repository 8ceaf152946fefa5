"""results.json -> the paper-shaped table and plots."""

import json

from uniintervene_experiments.cli import main


def entry(sr, ir, f1=None, autonomous=0.0):
    summary = {
        "success_rate": sr,
        "human_intervention_rate": ir,
        "autonomous_interventions": autonomous,
        "trigger_f1": f1,
        "episodes": 2,
    }
    return {"average": summary, "per_task": {"wipe": summary}, "trigger_f1": f1}


def test_report_writes_table_and_plots(tmp_path):
    results = {
        "config": {"tasks": ["wipe"], "episodes_per_task": 2},
        "hil_serl": entry(0.81, 0.343),
        "failure_prediction": entry(0.84, 0.25, 0.6),
        "uniintervene": entry(0.88, 0.146, 0.88, 1.25),
        "ablations": {"without_memory_goal": entry(0.85, 0.2, 0.88)},
        "example_episode": {
            "task": "wipe",
            "seed": 1,
            "values": [0.2, 0.3, 0.3],
            "risks": [0.0, 0.5, 1.0],
            "modes": [0, 0, 1],
            "triggers": [2],
        },
    }
    (tmp_path / "results.json").write_text(json.dumps(results))
    assert main(["report", "--results", str(tmp_path)]) == 0
    table = (tmp_path / "results.md").read_text()
    assert "| HiL-SERL + UniIntervene | 88 / 14.6 | 88 / 14.6 | 1.25 | 0.88 |" in table
    assert "-57 % relative change" in table and "w/o memory goal" in table
    assert (tmp_path / "ir_sr_bars.png").stat().st_size > 5000
    assert (tmp_path / "value_risk_episode.png").stat().st_size > 5000


def test_eval_without_models_is_a_clear_error(tmp_path, capsys):
    assert main(["eval", "--models", str(tmp_path), "--out", str(tmp_path / "r")]) == 2
    assert "no critic model" in capsys.readouterr().err
