"""supervisor_node survives its own faults: a recording that cannot be written (at the
start or mid-episode), and a tick that throws, never end the node or the episode; each is
an event, a diagnostics error, a log line and a line in the episode's result."""

import os

import numpy as np
import pytest
import rclpy
from ament_index_python.packages import get_package_share_directory
from std_msgs.msg import Bool

from uniintervene_common import conversions as conv
from uniintervene_common.node import guarded
from uniintervene_msgs.action import Arbitrate
from uniintervene_msgs.msg import ActionCommand
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.nodes.supervisor_node import SupervisorNode
from uniintervene_supervisor.recorder import EpisodeRecorder

HOME = [0.0, -1.57, 1.57, -1.57, -1.57, 0.0]


class StandInGoalHandle:
    is_cancel_requested = False

    def publish_feedback(self, feedback) -> None:
        pass

    def succeed(self) -> None:
        pass


@pytest.fixture
def node(tmp_path):
    yaml_file = f"{get_package_share_directory('uniintervene_supervisor')}/config/supervisor.yaml"
    rclpy.init(args=["--ros-args", "--params-file", yaml_file, "-p", f"recording_dir:={tmp_path}"])
    node = SupervisorNode()
    node.published = []
    node.outputs.servo_pub.publish = node.published.append  # what would reach MoveIt Servo
    yield node
    node.destroy_node()
    rclpy.shutdown()


def start(node, task="wipe") -> str:
    node.now = lambda: 10.0
    goal = Arbitrate.Goal(task=task, autonomous_intervention=False, max_ticks=0)
    return node.episodes.begin(StandInGoalHandle(), goal, seed=0)


def tick(node, now: float) -> None:
    """A fresh policy command and joint state, then the tick (its timer's guarded call)."""
    node.now = lambda: now
    command = conv.action_command_msg(
        np.array([0.02, 0, 0, 0, 0, 0, 1.0]), ActionCommand.POLICY, conv.time_msg(0)
    )
    node.on_command("policy", command)
    node.on_joints(conv.joint_state_msg(HOME, np.zeros(6), [0.0, 0.0], conv.time_msg(now)))
    node.on_program(Bool(data=True))
    guarded(node, "tick", node.tick, node.on_callback_fault, node.callback_faults)()


def test_a_disk_full_mid_episode_stops_the_recording_not_the_episode(node, monkeypatch):
    writes = []

    def write(self, *args):
        writes.append(args)
        if len(writes) > 20:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(EpisodeRecorder, "write", write)
    path = start(node)
    assert path and node.recording.recorder is not None
    for i in range(30):
        tick(node, 10.1 + 0.1 * i)
    assert node.recording.recorder is None  # dropped for this episode
    assert node.core.tick == 30 and node.last_decision.mode == Mode.POLICY  # supervision went on
    assert any("No space left on device" in p for p in node.episode.problems)
    assert node.callback_faults["recording"] == 1


def test_a_recording_folder_that_cannot_be_made_leaves_the_episode_running(node, tmp_path):
    blocker = tmp_path / "file_not_folder"
    blocker.write_text("")
    node.p.recording_dir = str(blocker / "recordings")
    assert start(node) == ""  # no recording path
    for i in range(5):
        tick(node, 10.1 + 0.1 * i)
    assert node.core.tick == 5 and node.last_decision.mode == Mode.POLICY
    assert node.episode.problems and "recording failed" in node.episode.problems[0]


def test_a_tick_that_throws_stops_the_arm_and_the_next_tick_runs(node, monkeypatch):
    start(node)
    tick(node, 10.1)
    original = node.core.step
    monkeypatch.setattr(node.core, "step", lambda inputs: 1 / 0)
    node.published.clear()
    tick(node, 10.2)
    assert len(node.published) == 1  # the zero twist of the failed tick
    twist = node.published[0].twist
    assert [twist.linear.x, twist.linear.y, twist.linear.z] == [0.0, 0.0, 0.0]
    assert node.callback_faults["tick"] == 1 and "ZeroDivisionError" in node.episode.problems[0]
    monkeypatch.setattr(node.core, "step", original)
    tick(node, 10.3)
    assert node.last_decision.mode == Mode.POLICY and node.published[-1].twist.linear.x > 0
    node.episode.end("timeout")
    result = node.episode.finish(node.core.arbiter, "")
    assert "tick failed: ZeroDivisionError" in result.problems


@pytest.mark.skipif(os.environ.get("AMENT_PREFIX_PATH") is None, reason="needs the ament index")
def test_a_missing_message_definition_is_a_recording_fault(node, monkeypatch):
    """The reported crash: the recorder could not resolve std_msgs (AMENT_PREFIX_PATH
    without the ROS prefix) inside the tick."""
    from ament_index_python.packages import PackageNotFoundError

    from uniintervene_supervisor import recorder

    def missing(type_name: str) -> str:
        raise PackageNotFoundError(f"package '{type_name.split('/', maxsplit=1)[0]}' not found")

    monkeypatch.setattr(recorder, "_msg_text", missing)
    start(node)
    for i in range(3):
        tick(node, 10.1 + 0.1 * i)
    assert node.core.tick == 3 and node.recording.recorder is None
    assert "not found" in node.episode.problems[0]
