"""Recordings -> training episodes, on recordings written by the supervisor's own recorder
the way the real cell produces them (no sim TaskState, a 640x480 bgr8 camera)."""

import numpy as np
import pytest
from rclpy.serialization import serialize_message
from std_msgs.msg import Bool

from uniintervene_common import conversions as conv
from uniintervene_common.kinematics import HOME
from uniintervene_critic.dataset import HUMAN, POLICY, load_episodes
from uniintervene_experiments.cli import main
from uniintervene_experiments.recordings import (
    RecordingError,
    episode_from_recording,
    takeover_warnings,
)
from uniintervene_msgs.msg import ControlMode
from uniintervene_supervisor.nodes.supervisor_node import RECORDED
from uniintervene_supervisor.recorder import EpisodeRecorder

NAME = "20261125-120000_tube_insertion_7.mcap"


def write_real_cell_recording(
    path, ticks=30, human_from=20, outcome="timeout", encoding="bgr8", scene_from=None,
    made=None,
):  # fmt: skip
    recorder = EpisodeRecorder(path)
    stamp = conv.time_msg(0.0)

    def write(topic, msg, t):
        recorder.write(topic, RECORDED[topic.lstrip("/")], serialize_message(msg), int(t * 1e9))

    for tick in range(ticks):
        t = tick * 0.1
        source = HUMAN if tick >= human_from else POLICY
        command = np.array([0.01 * tick, 0, 0, 0, 0, 0, np.nan if tick < 3 else 1.0])
        if tick > 0:  # the first command comes before any camera frame or joint state
            frame = np.full((480, 640, 3), tick, np.uint8)
            image = conv.image_msg(frame, stamp, "camera")
            image.encoding = encoding
            write("/camera/camera/color/image_raw", image, t)
            if scene_from is not None and tick >= scene_from:  # a second RealSense
                scene = conv.image_msg(np.full((480, 640, 3), 100 + tick, np.uint8), stamp, "s")
                write("/camera/scene/color/image_raw", scene, t + 0.005)
            joints = conv.joint_state_msg(HOME + 0.01 * tick, np.zeros(6), [], stamp)
            joints.name = joints.name[:6]  # the UR driver publishes no finger joints
            write("/joint_states", joints, t + 0.01)
        write("/uniintervene/human/engaged", Bool(data=source == HUMAN), t + 0.02)
        if made is not None and tick > 0:  # the arm made this much of the last command
            twist = conv.twist_stamped_msg(made * 0.01 * (tick - 1) * np.eye(6)[0], stamp, "b")
            write("/uniintervene/measured_twist", twist, t + 0.04)
        write("/uniintervene/command", conv.action_command_msg(command, source, stamp), t + 0.05)
    write("/uniintervene/control_mode", ControlMode(reason=f"episode ended: {outcome}"), 9.0)
    recorder.close()


def test_a_real_cell_recording_becomes_an_episode_labelled_by_the_takeovers(tmp_path):
    path = tmp_path / NAME
    write_real_cell_recording(path)
    episode = episode_from_recording(path, takeover_window=5)
    assert (episode.task, episode.seed, len(episode)) == ("tube_insertion", 7, 30)
    assert episode.images.shape == (30, 128, 128, 3)
    assert episode.images[0].mean() == pytest.approx(1.0)  # tick 0 takes the first frame
    assert episode.images[10].mean() == pytest.approx(10.0)
    np.testing.assert_allclose(episode.joint_pos[10], HOME + 0.1, atol=1e-6)
    np.testing.assert_allclose(episode.actions[:, 0], 0.01 * np.arange(30), atol=1e-6)
    assert np.all(episode.actions[:3, 6] == 0.0) and np.all(episode.actions[3:, 6] == 1.0)
    assert list(episode.sources) == [POLICY] * 20 + [HUMAN] * 10
    assert list(np.flatnonzero(episode.warning)) == [15, 16, 17, 18, 19]
    assert not episode.success and episode.failure_reason == "timeout"
    assert episode.scene_images is None  # one camera


def test_a_recorded_scene_camera_becomes_the_second_view(tmp_path):
    write_real_cell_recording(tmp_path / NAME, scene_from=4)
    episode = episode_from_recording(tmp_path / NAME, image_size=64)
    assert episode.scene_images.shape == episode.images.shape == (30, 64, 64, 3)
    assert episode.scene_images[0].mean() == pytest.approx(104.0)  # the first scene frame
    assert episode.scene_images[10].mean() == pytest.approx(110.0)


def test_labels_override_and_a_missing_outcome_is_a_clear_error(tmp_path):
    path = tmp_path / NAME
    write_real_cell_recording(path, outcome="success")
    assert episode_from_recording(path).success
    assert not episode_from_recording(path, success=False).success
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])  # killed mid-episode
    with pytest.raises(RecordingError, match="labels file"):
        episode_from_recording(cut)
    assert len(episode_from_recording(cut, success=False)) > 5


def test_bad_recordings_are_clear_errors(tmp_path):
    mono = tmp_path / "mono.mcap"
    write_real_cell_recording(mono, encoding="mono8")
    with pytest.raises(RecordingError, match="encoding"):
        episode_from_recording(mono)
    garbage = tmp_path / "garbage.mcap"
    garbage.write_bytes(b"not an mcap file")
    with pytest.raises(RecordingError, match="0 control ticks"):
        episode_from_recording(garbage)


def test_takeover_warnings_mark_the_ticks_before_each_takeover():
    sources = np.array([0, 0, 0, 0, 2, 2, 0, 0, 2, 0])
    assert list(takeover_warnings(sources, 2)) == [0, 0, 1, 1, 0, 0, 1, 1, 0, 0]


def test_import_command_keeps_the_good_recordings_and_reports_the_bad(tmp_path, capsys):
    folder = tmp_path / "recordings"
    folder.mkdir()
    write_real_cell_recording(folder / NAME)
    write_real_cell_recording(folder / "20261125-120100_wipe_8.mcap", outcome="aborted")
    (folder / "20261125-120200_wipe_9.mcap").write_bytes(b"garbage")
    labels = tmp_path / "labels.yaml"
    labels.write_text(f"{NAME}: true\n")
    out = tmp_path / "episodes"
    assert main(["import", str(folder), "--out", str(out), "--labels", str(labels)]) == 1
    episodes = {e.task: e for e in load_episodes(out)}
    assert set(episodes) == {"tube_insertion", "wipe"}
    assert episodes["tube_insertion"].success and not episodes["wipe"].success
    assert "skipped" in capsys.readouterr().out
    labels.write_text("[not, a, mapping]")
    assert main(["import", str(folder), "--out", str(out), "--labels", str(labels)]) == 2


@pytest.mark.parametrize("made", [0.4, 1.0])
def test_import_draws_the_commanded_and_made_speed_of_an_episode_whose_arm_lagged(
    tmp_path, capsys, made
):
    write_real_cell_recording(tmp_path / NAME, made=made)
    assert main(["import", str(tmp_path / NAME), "--out", str(tmp_path / "episodes")]) == 0
    figure = tmp_path / "episodes" / NAME.replace(".mcap", "_tracking.png")
    assert figure.exists() == (made < 0.7)
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert ("made 40% of the commanded speed" in said) == (made < 0.7)
