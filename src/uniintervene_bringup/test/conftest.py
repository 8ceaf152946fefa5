"""Tiny, untrained critic and recovery models built here (no files, no downloads): the
harness tests check decisions and counting, not figures."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.risk import RiskConfig
from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy


@pytest.fixture
def tiny_models():
    torch.manual_seed(0)
    # a hair trigger: any 5 ticks without a 0.5 gain fire it
    risk = RiskConfig(stagnation_limit=5, gain_epsilon=0.5, min_duration=1, warmup=0)
    config = CriticConfig(latent_dim=16, hidden=32, risk=risk)
    bundle = CriticBundle(config, SimCNNEncoder(16).eval(), ActionValueModel(config).eval())
    memory = InterventionMemory(16)
    memory.add(np.zeros(16), 1.0, "any", "demo", 0.0)  # always a better, reachable target
    return SimpleNamespace(
        bundle=bundle,
        report={"triggers": {"uniintervene": {"risk": vars(risk)}}},
        memory=memory,
        recovery_policy=RecoveryPolicy(PolicyConfig(latent_dim=16, hidden=32)),
    )
