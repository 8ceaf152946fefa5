"""The learner side of online recovery learning, without ROS: transitions in, a grown
memory and a trained policy out, weights that carry their checksum, and a restart that
resumes both."""

import dataclasses

import numpy as np
import pytest
import torch

from uniintervene_recovery.memory import InterventionMemory, Segment
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy
from uniintervene_recovery.recovery_learner import HUMAN, RecoveryLearner
from uniintervene_recovery.weights import RecoveryWeightsError, pack_recovery, unpack_recovery

DIM = 4


def value_of(latent) -> float:
    return float(np.asarray(latent)[0])  # the first latent component is the value here


def transition(stream, episode, source, latent, next_latent, done=False, task="wipe"):
    return {
        "stream": stream, "episode_id": episode, "task": task, "source": source,
        "latent": np.full(DIM, latent, np.float32), "proprio": np.zeros(7, np.float32),
        "executed": np.r_[np.full(6, 0.1), np.nan].astype(np.float32),
        "next_latent": np.full(DIM, next_latent, np.float32), "done": done, "truncated": False,
    }  # fmt: skip


@pytest.fixture
def start(tmp_path):
    torch.manual_seed(0)
    RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=16)).save(tmp_path / "offline")
    memory = InterventionMemory(DIM)
    ticks = np.linspace(0, 1, 5, dtype=np.float32)[:, None].repeat(DIM, 1)
    still = np.zeros((5, 7), np.float32)
    memory.add(ticks[-1], 1.0, "wipe", "demo", 0.0, Segment(ticks, still, still))
    memory.save(tmp_path / "offline" / "memory.safetensors")
    return lambda: RecoveryLearner(
        tmp_path / "learner", tmp_path / "offline", tmp_path / "offline" / "memory.safetensors",
        value_of, batch_size=8,
    )  # fmt: skip


def test_spans_of_human_control_whose_value_rose_are_remembered_per_stream(start):
    learner = start()
    a, b = "/cell_1/supervisor", "/cell_2/supervisor"
    assert not learner.ingest(transition(a, "e1", 0, 0.1, 0.1))  # policy: nothing
    for k in range(4):  # cell 1 corrects from 0.1 up to 0.5; cell 2 interleaves a flat one
        learner.ingest(transition(a, "e1", HUMAN, 0.1 + 0.1 * k, 0.2 + 0.1 * k))
        learner.ingest(transition(b, "e9", HUMAN, 0.3, 0.3))
    assert learner.ingest(transition(a, "e1", 0, 0.5, 0.5))  # the span ends: value rose
    assert not learner.ingest(transition(b, "e9", 0, 0.3, 0.3, done=True))  # flat: forgotten
    assert len(learner.memory) == 2 and learner.memory.tasks[-1] == "wipe"
    assert learner.memory.values[-1] == pytest.approx(0.5)
    segment = learner.memory.segments[-1]
    assert len(segment.actions) == 4 and np.all(segment.actions[:, 6] == 0.0)  # NaN: measured
    assert learner.status()["corrections_seen"] == 2
    # an episode that ends mid-correction closes it at its last state
    for k in range(3):
        learner.ingest(transition(a, "e2", HUMAN, 0.0, 0.3, done=k == 2))
    assert len(learner.memory) == 3


def test_the_learner_trains_saves_and_a_restart_resumes_memory_policy_and_version(start):
    learner = start()
    assert not learner.resumed and learner.update(20) is not None and learner.version == 20
    for k in range(3):
        learner.ingest(transition("s", "e", HUMAN, 0.0, 0.2 * (k + 1)))
    learner.ingest(transition("s", "e", 0, 0.6, 0.6))
    learner.save()
    again = start()
    assert again.resumed and again.version == 20 and len(again.memory) == len(learner.memory)
    state = learner.policy.state_dict()
    assert all(torch.equal(v, state[k]) for k, v in again.policy.state_dict().items())


def test_weights_carry_their_checksum_and_config_and_bad_ones_are_refused():
    policy = RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=16))
    weights = pack_recovery(policy, 7)
    loaded = unpack_recovery(weights, DIM)
    args = (np.ones(DIM), np.zeros(DIM), np.zeros(7))
    assert np.array_equal(loaded.act(*args), policy.eval().act(*args))
    with pytest.raises(RecoveryWeightsError, match="SHA-256"):
        unpack_recovery(dataclasses.replace(weights, data=weights.data[:-1] + b"x"))
    with pytest.raises(RecoveryWeightsError, match="8-d"):
        unpack_recovery(weights, 8)
    foreign = dataclasses.replace(weights, config='{"format": "uniintervene-actor-v1"}')
    with pytest.raises(RecoveryWeightsError, match="not uniintervene-recovery-v1"):
        unpack_recovery(foreign)
