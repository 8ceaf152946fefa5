"""Recovery policy: save/load, a short training run, the controller's end conditions."""

import numpy as np
import pytest
import torch

from uniintervene_critic.model import ModelFileError
from uniintervene_recovery.controller import RecoveryConfig, start_recovery
from uniintervene_recovery.memory import InterventionMemory, Segment
from uniintervene_recovery.policy import (
    MIN_ACTION_STD,
    PolicyConfig,
    RecoveryPolicy,
    action_weights,
    train_policy,
)


def synthetic_segments(n, rng):
    """Corrections that move the latent straight toward where they end: action = direction."""
    segments = []
    for _ in range(n):
        start, end = rng.normal(size=8), rng.normal(size=8)
        steps = np.linspace(0, 1, 12)[:, None]
        latents = (start + steps * (end - start)).astype(np.float32)
        direction = (end - start)[:3] / np.linalg.norm((end - start)[:3]) * 0.2
        actions = np.tile(np.r_[direction, np.zeros(3), 1.0], (12, 1)).astype(np.float32)
        segments.append(Segment(latents, np.zeros((12, 7), np.float32), actions))
    return segments


def test_short_training_run_decreases_loss_and_uses_the_goal():
    rng = np.random.default_rng(0)
    config = PolicyConfig(latent_dim=8, hidden=64)
    policy, history = train_policy(
        synthetic_segments(60, rng), synthetic_segments(15, rng), config, epochs=25, progress=False
    )
    assert history["train_loss"][-1] < 0.3 * history["train_loss"][0]
    m = config.metrics
    assert m["test_action_mse"] < m["test_action_mse_mean_baseline"]
    assert m["test_action_mse"] < m["test_action_mse_without_goal"]  # the goal carries the way


def test_policy_round_trip_and_errors(tmp_path):
    policy = RecoveryPolicy(PolicyConfig(latent_dim=8, hidden=32))
    policy.save(tmp_path)
    loaded = RecoveryPolicy.load(tmp_path)
    args = (np.ones(8), np.zeros(8), np.zeros(7))
    assert np.array_equal(policy.eval().act(*args), loaded.act(*args))
    action = loaded.act(*args)
    assert np.all(np.abs(action[:3]) <= 0.25) and 0 <= action[6] <= 1
    (tmp_path / "recovery_policy.safetensors").write_bytes(b"junk")
    with pytest.raises(ModelFileError, match="unusable"):
        RecoveryPolicy.load(tmp_path)
    with pytest.raises(ModelFileError, match="no recovery policy"):
        RecoveryPolicy.load(tmp_path / "nope")


def test_recovery_ends_on_value_distance_or_timeout():
    memory = InterventionMemory(8)
    memory.add(np.full(8, 2.0), 0.8, "wipe", "a", 1.0)
    policy = RecoveryPolicy(PolicyConfig(latent_dim=8, hidden=32))
    config = RecoveryConfig(value_margin=0.05, distance_threshold=0.1, max_ticks=5)
    recovery, why = start_recovery(memory, policy, config, np.zeros(8), 0.3, "wipe")
    assert why == "" and recovery.target.value == pytest.approx(0.8)
    ticks = [recovery.step(np.zeros(8), 0.3, np.zeros(7)) for _ in range(6)]
    assert [t.done for t in ticks] == [False] * 5 + [True] and ticks[-1].outcome == "timeout"
    recovery, _ = start_recovery(memory, policy, config, np.zeros(8), 0.3, "wipe")
    assert recovery.step(np.zeros(8), 0.76, np.zeros(7)).outcome == "success"
    assert recovery.step(np.full(8, 1.99), 0.3, np.zeros(7)).outcome == "success"
    assert start_recovery(memory, policy, config, np.zeros(8), 0.9, "wipe")[0] is None


class _Grasping:
    """A recovery policy that asks to close the gripper (as a regrasp correction does)."""

    def act(self, latent, goal, proprio):
        return np.r_[np.full(6, 0.1), 0.8].astype(np.float32)


def test_a_recovery_stops_when_its_value_stops_rising_and_may_regrasp():
    memory = InterventionMemory(8)
    memory.add(np.full(8, 2.0), 0.8, "wipe", "a", 1.0)
    config = RecoveryConfig(value_margin=0.05, distance_threshold=0.1, max_ticks=50,
                            stall_ticks=4, gain_epsilon=0.01)  # fmt: skip
    recovery, _ = start_recovery(memory, _Grasping(), config, np.zeros(8), 0.3, "wipe")
    rising = [recovery.step(np.zeros(8), 0.3 + 0.02 * t, np.zeros(7)) for t in range(10)]
    assert not any(t.done for t in rising)  # still climbing: it goes on
    assert rising[0].action[6] == 1.0  # closes the open gripper where the policy says so
    flat = [recovery.step(np.zeros(8), 0.48, np.zeros(7)) for _ in range(5)]
    assert [t.done for t in flat] == [False, False, False, True, True]
    assert flat[3].outcome == "stalled" and not flat[3].success
    held = RecoveryConfig(use_gripper=False)
    recovery, _ = start_recovery(memory, _Grasping(), held, np.zeros(8), 0.3, "wipe")
    assert recovery.step(np.zeros(8), 0.3, np.zeros(7)).action[6] == 0.0  # stays open


def test_every_action_dimension_counts_in_the_loss_not_only_the_gripper():
    """Corrections move a few cm/s while the gripper's 0 or 1 varies a hundredfold more:
    weighting each dimension's error by its spread learns where to go better than the
    raw squared error on the same data and seed."""
    actions = torch.tensor([[0.0] * 6 + [0.0], [0.02] + [0.0] * 5 + [1.0]])
    weights = action_weights(actions)
    assert weights[0] == pytest.approx(1 / actions[:, 0].var().item())
    assert weights[1] == pytest.approx(1 / MIN_ACTION_STD**2)  # never moved: the floor
    assert torch.equal(action_weights(actions, standardise=False), torch.ones(7))

    def slow_corrections(n, rng):  # 2 cm/s toward the goal; a gripper of pure noise
        segments = synthetic_segments(n, rng)
        for segment in segments:
            segment.actions[:, :3] *= 0.1
            segment.actions[:, 6] = rng.integers(0, 2, len(segment.actions))
        return segments

    cosines = {}
    for standardise in (False, True):
        rng = np.random.default_rng(0)
        train, test = slow_corrections(60, rng), slow_corrections(15, rng)
        config = PolicyConfig(latent_dim=8, hidden=64, standardise_loss=standardise)
        policy, _ = train_policy(train, test, config, epochs=25, progress=False)
        latents = torch.from_numpy(np.concatenate([s.latents[:-1] for s in test]))
        goals = torch.from_numpy(np.concatenate([np.repeat(s.latents[-1:], 11, 0) for s in test]))
        wanted = np.concatenate([s.actions[:-1, :3] for s in test])
        with torch.no_grad():
            moved = policy(latents, goals, torch.zeros(len(latents), 7))[:, :3].numpy()
        cosine = (moved * wanted).sum(1) / np.linalg.norm(moved, axis=1)
        cosines[standardise] = float(np.mean(cosine / np.linalg.norm(wanted, axis=1)))
    assert cosines[True] > cosines[False] + 0.05, cosines
