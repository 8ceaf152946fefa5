"""The learned temporal value-risk head: causal features, training on mined labels with
rare positives, its firing rule, and the bundle and runtime that carry it."""

import numpy as np
import pytest
import torch

from uniintervene_critic.dataset import POLICY
from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.labels import segments
from uniintervene_critic.mining import MiningConfig, mined_flags
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig, ModelFileError
from uniintervene_critic.risk import (
    FiringConfig,
    TemporalRiskCritic,
    ThresholdTrigger,
    trigger_ticks,
)
from uniintervene_critic.risk_head import (
    LearnedRiskTrigger,
    RiskHead,
    RiskHeadConfig,
    train_risk_head,
    value_features,
)
from uniintervene_critic.risk_training import firing_score
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_critic.trigger_evaluation import held_trigger

LATENT = 8
MINING = MiningConfig(window=10)


def synthetic_episode(rng, length=80):
    """A rising value with one stall at a random place (a plateau, sometimes sinking)."""
    start, stall = rng.integers(15, 40), rng.integers(18, 28)
    steps = np.full(length, 1.0 / length) + rng.normal(0, 0.002, length)
    steps[start : start + stall] = rng.choice([0.0, -0.01]) + rng.normal(0, 0.002, stall)
    values = np.clip(0.2 + np.cumsum(steps), 0, 1).astype(np.float32)
    latent = torch.from_numpy(rng.normal(size=(length, LATENT)).astype(np.float32))
    labels = mined_flags(values, np.full(length, POLICY), MINING)
    return values, latent, latent + 0.1, labels


def test_features_are_causal():
    values = np.linspace(0, 1, 40)
    changed = values.copy()
    changed[25:] = 0.0
    assert np.array_equal(value_features(values, 10)[:25], value_features(changed, 10)[:25])
    assert not np.array_equal(value_features(values, 10)[25], value_features(changed, 10)[25])


def test_runtime_ticks_give_the_training_time_risk():
    torch.manual_seed(0)
    head = RiskHead(RiskHeadConfig(window=10, latent_dim=LATENT)).eval()
    values, latent, future, _ = synthetic_episode(np.random.default_rng(0))
    batch = head.episode_risk(values, latent, future)
    trigger = LearnedRiskTrigger(head, FiringConfig())
    live = [
        trigger.update(v, latent[t : t + 1], future[t : t + 1]).risk for t, v in enumerate(values)
    ]
    assert np.allclose(live, batch, atol=1e-6)
    with pytest.raises(ValueError, match="finite"):
        trigger.update(float("nan"), latent[:1], future[:1])


def test_the_head_learns_mined_stalls_with_rare_positives():
    rng = np.random.default_rng(0)
    train = [synthetic_episode(rng) for _ in range(30)]
    test = [synthetic_episode(rng) for _ in range(15)]
    positives = np.mean(np.concatenate([e[3] for e in train]))
    assert 0.05 < positives < 0.35  # rare, but present
    config = RiskHeadConfig(window=10, latent_dim=LATENT)
    head, losses = train_risk_head(config, train, epochs=25)
    assert losses[-1] < 0.6 * losses[0]
    risks = [head.episode_risk(v, z, f) for v, z, f, _ in test]
    score = firing_score(
        FiringConfig(threshold=0.5, min_duration=2, warmup=5), risks, [segments(e[3]) for e in test]
    )
    assert score.f1 >= 0.8, (score.precision, score.recall)
    untrained = RiskHead(config).eval()
    baseline = firing_score(
        FiringConfig(threshold=0.5, min_duration=2, warmup=5),
        [untrained.episode_risk(v, z, f) for v, z, f, _ in test],
        [segments(e[3]) for e in test],
    )
    assert score.f1 > baseline.f1 + 0.3
    with pytest.raises(ValueError, match="all one class"):
        train_risk_head(config, [(v, z, f, np.zeros_like(m)) for v, z, f, m in train[:2]])


def test_firing_rule_keeps_duration_hysteresis_and_warmup():
    rule = ThresholdTrigger(FiringConfig(threshold=0.5, min_duration=3, rearm_below=0.2, warmup=4))
    assert trigger_ticks(rule, [0.9] * 8) == [4]  # ticks 0..3 are warm-up; 3 high ticks by then
    assert trigger_ticks(rule, [0, 0, 0, 0, 0, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9]) == [10]
    # after a trigger, risk must fall below rearm_below (0.4 does not re-arm)
    assert trigger_ticks(rule, [0, 0, 0, 0, 0.9, 0.9, 0.9, 0.4, 0.9, 0.9, 0.9]) == [6]
    assert trigger_ticks(rule, [0, 0, 0, 0, 0.9, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9]) == [6, 10]


def learned_bundle():
    torch.manual_seed(0)
    config = CriticConfig(
        latent_dim=LATENT,
        hidden=32,
        trigger="learned",
        risk_head=RiskHeadConfig(window=10, latent_dim=LATENT),
        firing=FiringConfig(threshold=0.0, min_duration=1, warmup=2),  # fires at tick 3
    )
    return CriticBundle(
        config,
        SimCNNEncoder(LATENT).eval(),
        ActionValueModel(config).eval(),
        None,
        RiskHead(config.risk_head).eval(),
    )


def test_bundle_carries_the_head_and_the_runtime_uses_what_it_holds(tmp_path):
    learned_bundle().save(tmp_path)
    bundle = CriticBundle.load(tmp_path)
    assert bundle.config.trigger == "learned" and bundle.config.firing.warmup == 2
    runtime = CriticRuntime(bundle, "value_risk")
    assert isinstance(runtime.risk, LearnedRiskTrigger)
    image = np.random.default_rng(0).integers(0, 255, (48, 48, 3), dtype=np.uint8)
    steps = [runtime.step(image, np.zeros(7), np.zeros(7)) for _ in range(4)]
    assert [s.risk.trigger for s in steps] == [False, False, True, False]
    assert steps[2].risk.reason == "learned_risk" and 0 <= steps[2].risk.risk <= 1
    # the rule-based critic stays as the ablation and the fallback
    assert isinstance(CriticRuntime(bundle, "rule_value_risk").risk, TemporalRiskCritic)


def test_a_bundle_that_claims_a_head_it_lacks_is_refused(tmp_path):
    bundle = learned_bundle()
    bundle.risk_head = None
    bundle.save(tmp_path)
    with pytest.raises(ModelFileError, match="learned but holds no risk head"):
        CriticBundle.load(tmp_path)
    bundle.config.trigger = "magic"
    bundle.save(tmp_path)
    with pytest.raises(ModelFileError, match="'magic' is not"):
        CriticBundle.load(tmp_path)


def test_the_held_trigger_is_the_configured_one_or_the_better_on_calibration():
    assert held_trigger("rule", learned_calibration_f1=0.9, rule_calibration_f1=0.5) == "rule"
    assert held_trigger("learned", learned_calibration_f1=0.2, rule_calibration_f1=0.5) == "learned"
    assert held_trigger("calibration", 0.76, 0.70) == "learned"
    assert held_trigger("calibration", 0.60, 0.70) == "rule"
    with pytest.raises(ValueError, match="hold must be one of"):
        held_trigger("best", 0.6, 0.7)
