"""The recovery learns from this run's corrections: cutting them out of the tick stream,
remembering the ones whose value rose, and training the policy on the memory online."""

import numpy as np
import pytest
import torch

from uniintervene_recovery.memory import InterventionMemory, Segment
from uniintervene_recovery.online import (
    CorrectionRecorder,
    OnlineRecoveryTrainer,
    remember_correction,
)
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy


def test_a_span_of_human_control_becomes_one_correction_ending_where_it_left_the_robot():
    recorder = CorrectionRecorder(min_length=3)
    assert recorder.observe(False, np.zeros(4), 0.1, np.zeros(7), np.zeros(7)) is None
    for t in range(5):
        assert recorder.observe(True, np.full(4, t), 0.2 + 0.1 * t, np.zeros(7), np.ones(7)) is None
    correction = recorder.observe(False, np.full(4, 9.0), 0.9, np.zeros(7), np.zeros(7))
    assert len(correction.segment.actions) == 5 and correction.segment.latents[4][0] == 4
    assert correction.start_value == pytest.approx(0.2) and correction.end_value == 0.9
    assert np.all(correction.end_latent == 9.0) and correction.gain == pytest.approx(0.7)
    # too short to teach anything: dropped
    recorder.observe(True, np.zeros(4), 0.5, np.zeros(7), np.ones(7))
    assert recorder.observe(False, np.zeros(4), 0.9, np.zeros(7), np.zeros(7)) is None


def test_only_corrections_whose_value_rose_enter_the_memory():
    memory = InterventionMemory(4)
    recorder = CorrectionRecorder()
    for value in (0.5, 0.5, 0.5):
        recorder.observe(True, np.zeros(4), value, np.zeros(7), np.ones(7))
    flat = recorder.close(np.ones(4), 0.51)
    assert not remember_correction(memory, flat, "wipe", "e", 1.0) and len(memory) == 0
    for value in (0.2, 0.3, 0.4):
        recorder.observe(True, np.zeros(4), value, np.zeros(7), np.ones(7))
    rose = recorder.close(np.ones(4), 0.6)
    assert remember_correction(memory, rose, "wipe", "e", 2.0) and len(memory) == 1
    assert memory.values[0] == pytest.approx(0.6) and len(memory.segments[0].actions) == 3
    target, _ = memory.retrieve(np.zeros(4), 0.3, "wipe")
    assert target is not None and target.value == pytest.approx(0.6)


def test_the_policy_learns_the_memorys_corrections_online_with_hindsight_goals():
    """Two kinds of correction from the same states, told apart only by where they head:
    online training on the memory must learn to follow the goal."""
    rng = np.random.default_rng(0)
    memory = InterventionMemory(4)
    for k in range(40):
        direction = 1.0 if k % 2 else -1.0
        latents = np.cumsum(np.full((6, 4), 0.2 * direction), axis=0).astype(np.float32)
        latents += rng.normal(0, 0.01, latents.shape).astype(np.float32)
        actions = np.zeros((6, 7), np.float32)
        actions[:, 0] = 0.2 * direction
        segment = Segment(latents, np.zeros((6, 7), np.float32), actions)
        memory.add(latents[-1], 0.9, "wipe", str(k), 0.0, segment)
    memory.add(np.zeros(4), 0.9, "pick_eggplant", "other", 0.0)  # another task: ignored
    torch.manual_seed(0)
    policy = RecoveryPolicy(PolicyConfig(latent_dim=4, hidden=64, goal_dropout=0.0))
    trainer = OnlineRecoveryTrainer(policy, memory, "wipe", learning_rate=3e-3, seed=0)

    def heads_toward_goal():
        start = np.zeros(4, np.float32)
        up = policy.act(start, np.full(4, 1.0), np.zeros(7))[0]
        down = policy.act(start, np.full(4, -1.0), np.zeros(7))[0]
        return up, down

    first = trainer.update(1)
    last = trainer.update(400)
    up, down = heads_toward_goal()
    assert trainer.version == 401 and last < first / 5
    assert up > 0.1 and down < -0.1  # follows the goal, as the corrections did
    assert OnlineRecoveryTrainer(policy, InterventionMemory(4)).update(5) is None
