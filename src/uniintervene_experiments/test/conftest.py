"""Tiny, untrained critic and recovery models built here (no files, no downloads), and a
stalling episode on them: the harness tests check decisions and counting, not figures."""

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from uniintervene_bringup.untrained_models import save_untrained_models
from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.risk import FiringConfig, RiskConfig
from uniintervene_critic.risk_head import RiskHead, RiskHeadConfig
from uniintervene_experiments.evaluation import GraphSettings, run_episode
from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy
from uniintervene_sim.base_policy import BasePolicy, BasePolicyConfig
from uniintervene_sim.cell import SimCell
from uniintervene_sim.model import CameraConfig
from uniintervene_sim.operator import SimulatedOperator


@pytest.fixture
def tiny_models():
    torch.manual_seed(0)
    # a hair trigger: any 5 ticks without a 0.5 gain fire it
    risk = RiskConfig(stagnation_limit=5, gain_epsilon=0.5, min_duration=1, warmup=0)
    # the bundle holds the rule; its learned head (a hair trigger too) serves the variant
    config = CriticConfig(
        latent_dim=16,
        hidden=32,
        risk=risk,
        risk_head=RiskHeadConfig(latent_dim=16),
        firing=FiringConfig(threshold=0.0, min_duration=1, rearm_below=1.0, warmup=5),
    )
    bundle = CriticBundle(
        config,
        SimCNNEncoder(16).eval(),
        ActionValueModel(config).eval(),
        risk_head=RiskHead(config.risk_head).eval(),
    )
    memory = InterventionMemory(16)
    for task in ("any", "tube_insertion", "pick_eggplant"):  # retrieval is per task
        memory.add(np.zeros(16), 1.0, task, "demo", 0.0)  # always a better, reachable target
    return SimpleNamespace(
        bundle=bundle,
        report={"triggers": {"uniintervene": {"risk": vars(risk)}}},
        memory=memory,
        recovery_policy=RecoveryPolicy(PolicyConfig(latent_dim=16, hidden=32)),
    )


@pytest.fixture
def stalled_episode(tiny_models):
    """run(refault_probability, trace, system, rates) -> (outcome, settings): an episode of
    tube_insertion whose base policy stalls, on the tiny models. The untrained latents
    all lie near zero, so only the value can end a recovery (distance_threshold 0)."""

    def run(refault_probability: float = 0.0, trace: list | None = None,
            system: str = "uniintervene", rates=None):  # fmt: skip
        settings = GraphSettings.load()
        settings.recovery = replace(settings.recovery, distance_threshold=0.0)
        stall = BasePolicyConfig(
            failure_rate=1.0, refault_probability=refault_probability, modes=("stall",)
        )
        outcome = run_episode(
            SimCell(camera=CameraConfig(width=32, height=32)),
            "tube_insertion",
            4,
            BasePolicy(stall),
            SimulatedOperator(),
            system,
            tiny_models.bundle,
            tiny_models.report,
            tiny_models.memory,
            tiny_models.recovery_policy,
            settings,
            trace=trace,
            rates=rates,
        )
        return outcome, settings

    return run


@pytest.fixture
def tiny_model_dir(tmp_path):
    save_untrained_models(tmp_path / "models")
    return tmp_path / "models"
