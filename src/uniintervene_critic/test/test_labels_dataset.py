"""Proxy values, unproductive-segment labels, trigger scoring and the episode files."""

import numpy as np
import pytest

from uniintervene_critic.dataset import (
    HUMAN,
    POLICY,
    Episode,
    EpisodeFileError,
    load_episode,
    save_episode,
)
from uniintervene_critic.labels import (
    UnproductiveSpec,
    fault_ticks,
    onset_segments,
    privileged_label_sets,
    proxy_values,
    score_triggers,
    segments,
    unproductive_ticks,
)


def episode(progress, success=True, sources=None, warning=None):
    n = len(progress)
    return Episode(
        task="wipe",
        seed=1,
        images=np.zeros((n, 8, 8, 3), np.uint8),
        joint_pos=np.zeros((n, 6), np.float32),
        gripper=np.zeros((n, 1), np.float32),
        actions=np.zeros((n, 7), np.float32),
        sources=np.array(sources if sources is not None else [POLICY] * n, np.uint8),
        progress=np.array(progress, np.float32),
        warning=np.array(warning if warning is not None else [0] * n, np.uint8),
        success=success,
    )


def test_proxy_value_is_the_discounted_success_return():
    values = proxy_values(episode(np.linspace(0, 1, 10)))
    assert values[-1] == pytest.approx(0.99) and np.all(np.diff(values) > 0)
    assert not proxy_values(episode(np.linspace(0, 1, 10), success=False)).any()


def test_unproductive_segments_come_from_stalls_drops_and_warnings_not_human_ticks():
    progress = np.concatenate([np.linspace(0, 0.5, 30), np.full(30, 0.5), np.linspace(0.5, 1, 30)])
    flags = unproductive_ticks(episode(progress))
    segs = segments(flags)
    assert len(segs) == 1 and 40 <= segs[0][0] <= 46 and 58 <= segs[0][1] <= 62
    human = [POLICY] * 50 + [HUMAN] * 40
    assert segments(unproductive_ticks(episode(progress, sources=human)))[0][1] <= 50
    warned = unproductive_ticks(episode(np.linspace(0, 1, 90), warning=[0] * 70 + [1] * 20))
    assert segments(warned) == [(70, 90)]
    assert segments(
        np.array([1, 1, 0, 0, 1, 1, 1, 1], bool), UnproductiveSpec(min_length=3, merge_gap=2)
    ) == [(0, 8)]


def test_fault_labels_mark_the_policy_faults_and_warnings_not_human_ticks_nor_pauses():
    progress = np.concatenate([np.linspace(0, 0.5, 30), np.full(30, 0.5), np.linspace(0.5, 1, 30)])
    paused = episode(progress)  # the expert's own pause: progress stalls, no fault
    paused.faults = np.zeros(90, np.uint8)
    assert segments(unproductive_ticks(paused)) and not segments(fault_ticks(paused))
    faulty = episode(
        np.linspace(0, 1, 90), sources=[POLICY] * 70 + [HUMAN] * 20, warning=[0] * 80 + [1] * 10
    )
    faulty.faults = np.array([0] * 20 + [1] * 60 + [0] * 10, np.uint8)
    assert segments(fault_ticks(faulty)) == [(20, 70)]  # the human took over at 70
    faulty.sources[:] = POLICY
    assert segments(fault_ticks(faulty)) == [(20, 90)]  # the warning continues it
    assert fault_ticks(episode(progress)) is None  # nothing recorded (a real cell)
    assert set(privileged_label_sets([paused, faulty])) == {"progress", "progress_onset", "faults"}
    assert set(privileged_label_sets([paused, episode(progress)])) == {"progress", "progress_onset"}


def test_a_stall_caught_before_its_label_window_passed_is_a_hit_against_its_onset():
    progress = np.concatenate([np.linspace(0, 0.5, 30), np.full(40, 0.5), np.linspace(0.5, 1, 30)])
    stalled = episode(progress)
    sets = privileged_label_sets([stalled])
    ((start, end),) = sets["progress"][0]
    assert 30 + 10 <= start <= 30 + UnproductiveSpec().window  # flagged a window late
    assert sets["progress_onset"][0] == [(start - UnproductiveSpec().window, end)]
    early = [33]  # three ticks into the stall
    assert score_triggers(early, sets["progress"][0]).f1 == 0.0  # a false alarm and a miss
    assert score_triggers(early, sets["progress_onset"][0]).f1 == 1.0
    assert onset_segments([(5, 20)]) == [(0, 20)]


def test_trigger_scoring_is_segment_level():
    segs = [(10, 20), (50, 60)]
    assert score_triggers([12, 15, 55], segs).f1 == 1.0  # re-fire in a hit segment is neutral
    score = score_triggers([12, 30], segs)
    assert (score.true_positives, score.false_positives, score.segments) == (1, 1, 2)
    assert score.f1 == pytest.approx(0.5)
    assert score_triggers([], []).f1 == 0.0


def test_episode_file_round_trip_and_clear_errors(tmp_path):
    original = episode(np.linspace(0, 1, 12), warning=[0] * 6 + [1] * 6)
    path = tmp_path / "ep.safetensors"
    save_episode(original, path)
    loaded = load_episode(path)
    assert loaded.task == "wipe" and loaded.seed == 1 and loaded.success
    assert np.array_equal(loaded.progress, original.progress) and len(loaded) == 12
    assert loaded.faults is None  # optional: absent in files from a real cell
    original.faults = np.array([0, 1] * 6, np.uint8)
    save_episode(original, path)
    assert np.array_equal(load_episode(path).faults, original.faults)
    assert not list(tmp_path.glob("*.tmp"))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(EpisodeFileError, match="not a readable episode file"):
        load_episode(path)
    with pytest.raises(EpisodeFileError, match="not a readable"):
        load_episode(tmp_path / "missing.safetensors")
