"""The learner's core: routing into the RLPD buffers, sequence gaps, the update-to-data
ratio, resuming from disk, and the weights an actor receives."""

import numpy as np
import pytest

from uniintervene_learner.action_space import ActionSpaceConfig
from uniintervene_learner.learner import Learner, LearnerConfig
from uniintervene_learner.sac import SACConfig
from uniintervene_learner.weights import ActorWeights, PolicyActor, WeightsError

LATENT = 4
POLICY, RECOVERY, HUMAN, HOLD = 0, 1, 2, 3


def config(**overrides) -> LearnerConfig:
    values = dict(
        task="test",
        latent_dim=LATENT,
        capacity=1000,
        warmup_transitions=10,
        sac=SACConfig(hidden=(16, 16), batch_size=8),
        action=ActionSpaceConfig(axes=["x", "y", "z"], linear_scale=0.1, gripper=True),
    )
    return LearnerConfig(**{**values, **overrides})


def transition(sequence, source=POLICY, stream="a", vx=0.05, reward=0.0, dims=LATENT):
    rng = np.random.default_rng(sequence)
    return {
        "stream": stream,
        "sequence": sequence,
        "source": source,
        "latent": rng.normal(size=dims),
        "proprio": rng.normal(size=7),
        "executed": np.array([vx, 0, 0, 0, 0, 0.3, 1.0]),
        "reward": reward,
        "done": False,
        "next_latent": rng.normal(size=dims),
        "next_proprio": rng.normal(size=7),
    }


def test_policy_ticks_go_online_interventions_to_the_prior_and_holds_nowhere(tmp_path):
    learner = Learner(tmp_path, config(), device="cpu")
    for i, source in enumerate([POLICY, HUMAN, RECOVERY, HOLD, POLICY]):
        assert learner.ingest(transition(i, source)) == 0
    assert (len(learner.online), len(learner.prior)) == (2, 2)
    # the executed command, in the policy's space: x 0.05 m/s of 0.1 -> 0.5; the yaw the
    # space cannot express is dropped; gripper 1 -> +1
    assert np.allclose(learner.prior.arrays["action"][0], [0.5, 0, 0, 1.0])
    learner.store(
        np.zeros(LATENT + 7), np.zeros(7), POLICY, 0.0, np.zeros(LATENT + 7), False, demo=True
    )
    assert len(learner.prior) == 3  # a demonstration is prior data whoever "drove" it


def test_sequence_gaps_are_counted_per_stream_and_bad_sizes_refused(tmp_path):
    learner = Learner(tmp_path, config(), device="cpu")
    assert [learner.ingest(transition(s)) for s in (0, 1, 4, 5)] == [0, 0, 2, 0]
    assert learner.ingest(transition(0, stream="b")) == 0  # another cell starts at 0
    assert learner.ingest(transition(3)) == 0  # a late duplicate is not a gap
    assert learner.status()["lost_transitions"] == 2 and learner.status()["streams"] == 2
    with pytest.raises(ValueError, match="5-d learner|11-d learner"):
        learner.ingest(transition(6, dims=LATENT + 1))
    assert learner.status()["rejected_transitions"] == 1
    bad = transition(7)
    bad["latent"][0] = np.nan
    learner.ingest(bad)  # non-finite: counted, not stored
    assert learner.status()["rejected_transitions"] == 2 and len(learner) == 6


def test_updates_wait_for_the_warm_up_then_follow_the_update_to_data_ratio(tmp_path):
    learner = Learner(tmp_path, config(updates_per_transition=2.0), device="cpu")
    for i in range(9):
        learner.ingest(transition(i, HUMAN if i % 2 else POLICY))
    assert not learner.due()
    learner.ingest(transition(9))
    done = 0
    while learner.due():
        learner.update()
        done += 1
    assert done == 2  # 2 per transition past the warm-up's first
    learner.ingest(transition(10))
    assert learner.due()


def test_a_restarted_learner_resumes_buffers_networks_and_counters(tmp_path):
    learner = Learner(tmp_path, config(), device="cpu")
    for i in range(12):
        learner.ingest(transition(i, HUMAN if i % 3 else POLICY))
    learner.ingest(transition(20))  # a gap of 8 (12 .. 19)
    for _ in range(3):
        learner.update()
    learner.save()
    obs = np.ones((1, LATENT + 7), np.float32)
    before = learner.agent.act(obs, deterministic=True)
    learner.ingest(transition(21))
    learner.flush()  # flushed after the checkpoint: kept too
    again = Learner(tmp_path, config(), device="cpu")
    assert again.updates == 3 and len(again) == 14
    assert again.status()["lost_transitions"] == 8
    assert again.ingest(transition(22)) == 0  # the stream goes on where it was
    assert np.allclose(again.agent.act(obs, deterministic=True), before)
    with pytest.raises(ValueError, match="config wants"):
        Learner(tmp_path, config(latent_dim=LATENT + 1), device="cpu")


def test_weights_round_trip_and_corrupt_ones_leave_the_last_good_weights(tmp_path):
    learner = Learner(tmp_path, config(), device="cpu")
    for i in range(12):
        learner.ingest(transition(i, HUMAN))
    actor = PolicyActor()
    first = learner.weights()
    assert actor.accept(first) and actor.version == 0
    latent, proprio = np.full(LATENT, 0.5), np.r_[np.zeros(6), 0.2]
    obs = np.r_[latent, proprio][None].astype(np.float32)
    expected = learner.space.to_command(learner.agent.act(obs, deterministic=True)[0])
    assert np.allclose(actor.command(latent, proprio, explore=False), expected, atol=1e-6)
    for _ in range(5):
        learner.update()
    newer = learner.weights()
    corrupt = bytearray(newer.data)
    corrupt[len(corrupt) // 2] ^= 0xFF
    with pytest.raises(WeightsError, match="SHA-256"):
        actor.accept(ActorWeights(newer.version, newer.config, newer.sha256, bytes(corrupt)))
    assert actor.version == 0  # the last good weights stay
    with pytest.raises(WeightsError, match="unusable"):
        foreign = ActorWeights(9, "{not json", newer.sha256, newer.data)
        actor.accept(foreign)
    assert actor.accept(newer) and actor.version == 5
    assert not actor.accept(first)  # an older version never replaces a newer one
    moved = actor.command(latent, proprio, explore=False)
    assert not np.allclose(moved, expected)  # five updates changed the policy
    with pytest.raises(ValueError, match="observation of"):
        actor.command(np.zeros(LATENT + 2), proprio, explore=False)


def test_every_critic_update_of_an_iteration_gets_a_half_and_half_batch(tmp_path):
    """A learner iteration takes critic_actor_ratio batches one after the other: each of
    them must be RLPD's 50/50 mix (a single 50/50 batch cut in two would give one critic
    update only prior data and the next only online data)."""
    learner = Learner(tmp_path, config(), device="cpu")
    for i in range(40):
        learner.ingest(transition(i, HUMAN if i % 2 else POLICY, vx=0.1 if i % 2 else -0.1))
    batch = learner.sample()
    size = learner.config.sac.batch_size
    assert len(batch["action"]) == size * learner.config.sac.critic_actor_ratio == 16
    for start in range(0, len(batch["action"]), size):
        chunk = batch["action"][start : start + size, 0]  # +1: a prior row, -1: online
        assert (chunk > 0).sum() == (chunk < 0).sum() == size // 2


def test_an_unreadable_latest_checkpoint_falls_back_to_the_one_before(tmp_path):
    from uniintervene_learner.checkpoint import CheckpointError

    learner = Learner(tmp_path, config(), device="cpu")
    for i in range(12):
        learner.ingest(transition(i, HUMAN))
    learner.update()
    learner.save()  # 1 update: will be the previous one
    learner.update()
    learner.save()  # 2 updates: the latest
    latest = tmp_path / "learner.safetensors"
    latest.write_bytes(latest.read_bytes()[:100])  # truncated on disk
    resumed = Learner(tmp_path, config(), device="cpu")
    assert resumed.updates == 1 and "learner.safetensors" in resumed.problem
    assert resumed.resumed_from.endswith("learner.previous.safetensors")
    (tmp_path / "learner.previous.safetensors").write_bytes(b"junk")
    with pytest.raises(CheckpointError, match="no readable checkpoint"):
        Learner(tmp_path, config(), device="cpu")
