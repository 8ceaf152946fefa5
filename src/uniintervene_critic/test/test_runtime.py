"""CriticRuntime feeds every trigger the signal it was calibrated on (the node and the
harness share it). The failure-prediction baseline once received the action value."""

from dataclasses import asdict

import numpy as np
import pytest
import torch

from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.failure import FailurePredictor, FailureTriggerConfig
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.risk import RiskConfig, ThresholdConfig
from uniintervene_critic.runtime import TRIGGER_MODES, CriticRuntime

RISK = RiskConfig(stagnation_limit=5, gain_epsilon=0.5, min_duration=1, warmup=0)
TRIGGERS = {
    "without_future_prediction": {"risk": asdict(RISK)},
    "without_value_prediction": {"risk": asdict(RISK), "latent_progress_spread": 2.0},
    "without_temporal_critic": {"threshold": asdict(ThresholdConfig(0.5))},
}


@pytest.fixture
def bundle():
    torch.manual_seed(0)
    config = CriticConfig(
        latent_dim=16,
        hidden=32,
        risk=RISK,
        failure_trigger=FailureTriggerConfig(threshold=0.5, min_duration=1, warmup=0),
    )
    failure = FailurePredictor(16).eval()
    torch.nn.init.constant_(failure.net[-1].bias, 2.0)  # p(failure) ~0.9: far from q's range
    return CriticBundle(config, SimCNNEncoder(16).eval(), ActionValueModel(config).eval(), failure)


def frames(n):
    rng = np.random.default_rng(1)
    return [rng.integers(0, 255, (48, 48, 3), dtype=np.uint8) for _ in range(n)]


def proprio(i):
    return np.r_[np.linspace(-1, 1, 6) + 0.1 * i, 0.0].astype(np.float32)


@torch.no_grad()
def test_failure_prediction_watches_the_failure_probability_not_the_value(bundle):
    runtime = CriticRuntime(bundle, "failure_prediction")
    for i, image in enumerate(frames(4)):
        step = runtime.step(image, proprio(i), np.zeros(7))
        latent = torch.as_tensor(step.latent)[None]
        expected = float(bundle.failure(latent, torch.as_tensor(proprio(i))[None]))
        assert step.signal == pytest.approx(expected, abs=1e-6)
        assert step.risk.risk == pytest.approx(expected, abs=1e-6)
        assert abs(step.risk.risk - step.value) > 0.05  # the bug: risk was the value
    assert step.risk.trigger or runtime.risk.armed is False  # p > 0.5 fires it


def test_each_trigger_mode_watches_its_signal(bundle):
    images = frames(3)
    for mode in TRIGGER_MODES:
        if mode == "learned_value_risk":  # needs a risk head: test_risk_head covers it
            continue
        runtime = CriticRuntime(bundle, mode, TRIGGERS)
        steps = [runtime.step(img, proprio(i), np.zeros(7)) for i, img in enumerate(images)]
        last = steps[-1]
        expected = {
            "value_risk": last.value,
            "rule_value_risk": last.value,
            "without_temporal_critic": last.value,
            "without_future_prediction": last.state_value,
            "failure_prediction": last.failure_probability,
            "without_value_prediction": float(np.linalg.norm(last.latent - steps[0].latent)) / 2,
        }[mode]
        assert last.signal == pytest.approx(expected, abs=1e-5), mode


def test_modes_that_need_settings_say_so(bundle):
    with pytest.raises(ValueError, match="trigger_mode must be one of"):
        CriticRuntime(bundle, "value")
    with pytest.raises(ValueError, match="training report"):
        CriticRuntime(bundle, "without_temporal_critic")
    with pytest.raises(ValueError, match="no learned risk head"):
        CriticRuntime(bundle, "learned_value_risk")
    bundle.failure = None
    with pytest.raises(ValueError, match="no failure predictor"):
        CriticRuntime(bundle, "failure_prediction")


def test_training_scores_the_command_executing_when_the_frame_was_taken(synthetic_episode):
    """critic_node and the harness pass the previous tick's executed command with frame t
    (nothing newer exists yet); training pairs frame t with that same command."""
    from uniintervene_critic.train import TrainConfig, episode_tensors, executed_before

    episode = synthetic_episode(0, True, n=6)
    shifted = executed_before(episode.actions)
    assert np.array_equal(shifted[0], np.zeros(7)) and np.array_equal(
        shifted[1:], episode.actions[:-1]
    )
    tensors = episode_tensors(episode, SimCNNEncoder(16).eval(), TrainConfig())
    assert np.array_equal(tensors["action"].numpy(), shifted)
