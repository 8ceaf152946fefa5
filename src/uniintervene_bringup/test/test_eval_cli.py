"""`uniintervene eval` as tools script against it: the documented results.json keys, on
tiny models built here (untrained: the interface, counting and reproducibility are what is
checked, not the figures)."""

import json
from dataclasses import asdict

import numpy as np
import torch

from uniintervene_bringup.cli import main
from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.failure import FailurePredictor, FailureTriggerConfig
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.risk import RiskConfig, ThresholdConfig
from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy

DIM = 16


def tiny_models(folder):
    torch.manual_seed(0)
    risk = RiskConfig(stagnation_limit=5, gain_epsilon=0.5, min_duration=1, warmup=0)
    failure = FailureTriggerConfig(threshold=0.5)
    config = CriticConfig(latent_dim=DIM, hidden=32, risk=risk, failure_trigger=failure)
    CriticBundle(
        config,
        SimCNNEncoder(DIM).eval(),
        ActionValueModel(config).eval(),
        FailurePredictor(DIM).eval(),
    ).save(folder / "critic")
    temporal = {"risk": asdict(risk)}
    report = {
        "triggers": {
            "uniintervene": temporal,
            "without_future_prediction": temporal,
            "without_value_prediction": {**temporal, "latent_progress_spread": 1.0},
            "without_temporal_critic": {"threshold": asdict(ThresholdConfig(0.5))},
            "failure_prediction": {"trigger": asdict(failure)},
        }
    }
    (folder / "critic" / "training_report.json").write_text(json.dumps(report))
    RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=32)).save(folder / "recovery")
    memory = InterventionMemory(DIM)
    memory.add(np.zeros(DIM), 1.0, "any", "demo", 0.0)
    memory.save(folder / "recovery" / "memory.safetensors")


def test_eval_writes_the_documented_keys_and_is_reproducible(tmp_path, capsys):
    tiny_models(tmp_path / "models")
    runs = []
    for out in ("a", "b"):
        argv = ["eval", "--tasks", "pick_eggplant,tube_insertion", "--episodes", "1"]
        argv += ["--seed", "3", "--models", str(tmp_path / "models")]
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
