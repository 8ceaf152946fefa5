"""The reward classifier: learns success frames from labelled episodes, declares success
only after consecutive confident frames, and round-trips through safetensors."""

import numpy as np
import pytest

from uniintervene_learner.reward import (
    RewardClassifier,
    RewardConfig,
    RewardModelError,
    SuccessDetector,
    frame_labels,
    train_reward_classifier,
)

DIM = 8


def episode(rng, length: int, success: bool) -> tuple[np.ndarray, bool]:
    """Latents drifting toward the goal; a success's last frames sit at the goal."""
    progress = np.linspace(0, 0.6, length)[:, None]
    latents = rng.normal(0, 0.3, (length, DIM)) + progress * np.eye(DIM)[0]
    if success:
        latents[-6:, 0] += 2.0
    return latents.astype(np.float32), success


def test_labels_mark_the_last_ticks_of_successes_and_leave_a_margin_out():
    config = RewardConfig(positive_ticks=2, margin_ticks=3)
    assert frame_labels(8, True, config).tolist() == [0, 0, 0, -1, -1, -1, 1, 1]
    assert frame_labels(8, False, config).tolist() == [0] * 8


def test_trained_classifier_finds_success_frames_on_held_out_episodes(tmp_path):
    rng = np.random.default_rng(0)
    episodes = [episode(rng, 40, i % 3 == 0) for i in range(16)]
    config = RewardConfig(latent_dim=DIM, hidden=32)
    model = train_reward_classifier(episodes, config, steps=1500, seed=0)
    metrics = model.config.metrics
    assert metrics["validation_frames"] > 0
    assert metrics["validation_precision"] >= 0.9 and metrics["validation_recall"] >= 0.9
    # and a control: labels shuffled across episodes cannot be learned on held-out data
    shuffled = [(latents, not success) for latents, success in episodes]
    control = train_reward_classifier(shuffled, RewardConfig(latent_dim=DIM, hidden=32), 1500)
    assert control.config.metrics["validation_precision"] < 0.5
    model.save(tmp_path / "reward")
    loaded = RewardClassifier.load(tmp_path / "reward")
    goal = episodes[0][0][-1]
    assert loaded.probability(goal) == pytest.approx(model.probability(goal))
    (tmp_path / "reward" / "reward.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(RewardModelError, match="no usable reward classifier"):
        RewardClassifier.load(tmp_path / "reward")


def test_success_needs_consecutive_confident_frames():
    rng = np.random.default_rng(1)
    model = train_reward_classifier(
        [episode(rng, 40, i % 2 == 0) for i in range(8)],
        RewardConfig(latent_dim=DIM, hidden=32, consecutive=3),
        steps=1500,
    )
    detector = SuccessDetector(model)
    far, goal = np.zeros(DIM), np.r_[2.6, np.zeros(DIM - 1)]
    assert [detector.step(x) for x in (goal, far, goal, goal)] == [False] * 4
    assert detector.step(goal)  # the third in a row
    detector.reset()
    assert not detector.step(goal)
