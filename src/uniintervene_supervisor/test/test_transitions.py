"""The supervisor's ticks become learner transitions: each completed by the next tick's
observation, the last one done (success, failure) or truncated, none around a missing
observation, and sequence numbers without holes."""

import numpy as np

from uniintervene_supervisor.transitions import Observation, TransitionStream

POLICY, HUMAN = 0, 2


def obs(i: float) -> Observation:
    return Observation(np.full(3, i, np.float32), np.full(7, -i, np.float32), "sim_cnn")


def command(vx: float) -> np.ndarray:
    return np.array([vx, 0, 0, 0, 0, 0, 1.0])


def test_each_tick_is_completed_by_the_next_observation_and_the_episode_end():
    stream = TransitionStream("/supervisor_node@1")
    stream.start_episode("e0", "wipe")
    assert stream.tick(0, obs(0), command(0.1), POLICY) is None  # waits for tick 1
    first = stream.tick(1, obs(1), command(0.2), HUMAN)
    assert (first.tick, first.sequence, first.source, first.reward) == (0, 0, POLICY, 0.0)
    assert first.observation.latent[0] == 0 and first.next_observation.latent[0] == 1
    assert first.executed[0] == np.float32(0.1) and not (first.done or first.truncated)
    last = stream.end(success=True, failure=False, observation=obs(2))
    assert (last.tick, last.sequence, last.source, last.reward) == (1, 1, HUMAN, 1.0)
    assert last.done and not last.truncated and last.next_observation.latent[0] == 2
    assert (first.episode_id, first.task) == ("e0", "wipe")


def test_failure_is_done_other_ends_are_truncated_without_reward():
    for success, failure, done, truncated in [
        (False, True, True, False),
        (False, False, False, True),
    ]:
        stream = TransitionStream("s")
        stream.start_episode("e", "wipe")
        stream.tick(0, obs(0), command(0.1), POLICY)
        last = stream.end(success, failure, obs(1))
        assert (last.reward, last.done, last.truncated) == (0.0, done, truncated)


def test_a_missing_observation_drops_the_transitions_around_it_and_leaves_no_hole():
    stream = TransitionStream("s")
    stream.start_episode("e", "wipe")
    stream.tick(0, obs(0), command(0.1), POLICY)
    assert stream.tick(1, None, command(0.1), POLICY) is None  # tick 0 has no next obs
    assert stream.tick(2, obs(2), command(0.1), POLICY) is None  # tick 1 had no obs
    assert stream.tick(3, obs(3), [np.nan] * 7, POLICY).tick == 2  # sequence 0
    assert stream.tick(4, obs(4), command(0.1), POLICY) is None  # tick 3: non-finite command
    assert stream.end(False, False, obs(5)).sequence == 1
    stream.start_episode("e2", "wipe")  # a new episode never completes the old one's tick
    assert stream.end(True, False, obs(0)) is None
