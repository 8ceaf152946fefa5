"""The process runner starts the sim graph and one Arbitrate episode runs through it."""

import pytest

from uniintervene_critic.dataset import HUMAN
from uniintervene_experiments.live import live_episode
from uniintervene_experiments.recordings import episode_from_recording
from uniintervene_supervisor.recorder import read_recording

pytestmark = pytest.mark.ros


def test_live_episode_through_the_sim_graph(tmp_path):
    # No trained models here: the critic reports invalid output and the recovery is
    # unavailable, so the graph runs as HiL-SERL (the operator rescues the policy).
    result = live_episode(
        tmp_path / "no_models",
        tmp_path / "recordings",
        "tube_insertion",
        max_ticks=250,
        log_dir=tmp_path / "logs",
        timeout=90.0,
    )
    assert result.outcome in ("success", "timeout", "aborted")
    assert (
        result.ticks
        == (result.policy_ticks + result.recovery_ticks + result.human_ticks + result.hold_ticks)
        > 0
    )
    assert result.triggers == 0 and result.recovery_ticks == 0
    topics = {topic for topic, *_ in read_recording(result.recording)}
    assert {"/uniintervene/critic/value", "/uniintervene/control_mode"} <= topics
    # the recording becomes a training episode with the graph's own tick accounting
    episode = episode_from_recording(result.recording)
    assert len(episode) == result.ticks
    assert int((episode.sources == HUMAN).sum()) == result.human_ticks
    assert episode.success == result.success and episode.task == "tube_insertion"
    logs = {p.name for p in (tmp_path / "logs").glob("*.log")}
    assert {"sim_node.log", "critic_node.log", "recovery_node.log", "supervisor_node.log"} <= logs
    assert "no critic model" in (tmp_path / "logs" / "critic_node.log").read_text()
