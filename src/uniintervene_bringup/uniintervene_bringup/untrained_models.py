"""Untrained models the graph can load, for the tests that bring the graph up (launch files,
the sim cell, chaos) and those of the command line: every part runs, no value means
anything, and nothing is trained or downloaded."""

import json
import pathlib
from dataclasses import asdict

import numpy as np
import torch

from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.failure import FailurePredictor, FailureTriggerConfig
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.risk import FiringConfig, RiskConfig, ThresholdConfig
from uniintervene_critic.risk_head import RiskHead, RiskHeadConfig
from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy
from uniintervene_sim.tasks import TASKS


def save_untrained_models(folder: pathlib.Path, dim: int = 16) -> None:
    """Small untrained models in the layout `make demo` leaves in models/ (critic/,
    recovery/), with a hair trigger and a memory target per task."""
    torch.manual_seed(0)
    risk = RiskConfig(stagnation_limit=5, gain_epsilon=0.5, min_duration=1, warmup=0)
    failure = FailureTriggerConfig(threshold=0.5)
    config = CriticConfig(
        latent_dim=dim,
        hidden=32,
        risk=risk,
        failure_trigger=failure,
        risk_head=RiskHeadConfig(latent_dim=dim),
        firing=FiringConfig(threshold=0.0, min_duration=1, rearm_below=1.0, warmup=5),
    )
    CriticBundle(
        config,
        SimCNNEncoder(dim).eval(),
        ActionValueModel(config).eval(),
        FailurePredictor(dim).eval(),
        RiskHead(config.risk_head).eval(),
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
    RecoveryPolicy(PolicyConfig(latent_dim=dim, hidden=32)).save(folder / "recovery")
    memory = InterventionMemory(dim)
    for task in ("any", *TASKS):  # retrieval is per task, as in the graph
        memory.add(np.zeros(dim), 1.0, task, "demo", 0.0)
    memory.save(folder / "recovery" / "memory.safetensors")
