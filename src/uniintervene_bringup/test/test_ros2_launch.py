"""The commands a robot engineer types, run as commands: `ros2 launch` of both launch
files, the `ros2` verbs that watch the cell, and Ctrl-C. They need the ROS 2 tools
(`make setup` builds them where no ROS is installed); without them these tests skip."""

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import psutil
import pytest
import yaml

from uniintervene_common import topics
from uniintervene_testing import standins

ROS2 = shutil.which("ros2")
pytestmark = [
    pytest.mark.ros,
    pytest.mark.skipif(
        ROS2 is None,
        reason="no `ros2` command: install ROS 2 Jazzy, use docker/, or let make setup build "
        "the tools (UNIINTERVENE_ROS_TOOLS)",
    ),
]
SIM_NODES = {"sim_node", "policy_node", "operator_node", "critic_node", "recovery_node",
             "supervisor_node"}  # fmt: skip


class Launched:
    """`ros2 launch ...` in a process group of its own, as a terminal runs it."""

    def __init__(self, arguments: list[str], log: pathlib.Path, env: dict | None = None):
        self.log = log
        self.stream = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [ROS2, "launch", *arguments],
            stdout=self.stream,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # SIGINT not ignored: the root conftest.py sees to it
        )

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, f"ros2 launch ended:\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} in {timeout} s:\n{self.output()}"
            time.sleep(0.2)

    def interrupt(self, signals, timeout: float = 60.0) -> int:
        """Ctrl-C in a terminal: SIGINT to the whole process group (launch then sends its
        own SIGINT to every node, and gives each 20 s, then SIGTERM and 10 s more)."""
        for number in signals:
            os.killpg(self.process.pid, number)
        try:
            return self.process.wait(timeout)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.stream.close()


def ros2(*arguments: str, timeout: float = 30.0) -> str:
    done = subprocess.run(
        [ROS2, *arguments], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"ros2 {' '.join(arguments)}: {done.stdout}{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture
def sim_cell(tmp_path, tiny_model_dir):
    launched = Launched(
        ["uniintervene_bringup", "sim.launch.py", f"models:={tiny_model_dir}",
         f"recordings:={tmp_path / 'recordings'}"],
        tmp_path / "launch.log",
    )  # fmt: skip
    yield launched
    launched.stop()
    subprocess.run([ROS2, "daemon", "stop"], capture_output=True, timeout=30, check=False)


def test_sim_launch_brings_the_cell_up_and_the_ros2_verbs_watch_it(sim_cell):
    sim_cell.wait_for("ready: uniintervene/arbitrate takes episodes", timeout=90)
    sim_cell.wait_for("simulating pick_eggplant", timeout=60)
    # with its type it waits for the topic; without, it fails at once if discovery lags
    echoed = ros2("topic", "echo", "--once", "/joint_states", "sensor_msgs/msg/JointState",
                  timeout=60)  # fmt: skip
    assert "shoulder_pan_joint" in echoed and "position:" in echoed
    wait_for_nodes(SIM_NODES)
    actions = ros2("action", "list", "-t")
    assert "/uniintervene/arbitrate [uniintervene_msgs/action/Arbitrate]" in actions
    # a parameter the schema bounds: an out-of-range value is refused with the reason
    refused = ros2("param", "set", "/supervisor_node", "max_linear_speed", "-1.0")
    assert "Setting parameter failed" in refused and "0.0" in refused, refused
    accepted = ros2("param", "set", "/supervisor_node", "max_linear_speed", "0.2")
    assert "Set parameter successful" in accepted, accepted
    # an episode through the launched graph, as the README's quick start sends it
    result = send_goal_answered(
        "{task: pick_eggplant, max_ticks: 20, autonomous_intervention: true}"
    )
    assert "Goal finished with status: SUCCEEDED" in result, result
    ticks = int(re.search(r"\nticks: (\d+)", result).group(1))
    assert 0 < ticks <= 20 and "recording: " in result, result
    # the diagnostics aggregator serves only rqt's Robot Monitor: skipped with one warning
    assert sim_cell.output().count("diagnostic_aggregator is not installed") == 1


def send_goal_answered(goal: str) -> str:
    """`ros2 action send_goal` to the cell's Arbitrate server. A goal request sent while
    the server's reply writer has not yet matched the CLI's reader is never answered, and
    the CLI has no retry (make test under load once waited 90 s after "Sending goal"):
    a CLI whose goal was not answered within 60 s is started once more."""
    arguments = ("action", "send_goal", "/uniintervene/arbitrate",
                 "uniintervene_msgs/action/Arbitrate", goal)  # fmt: skip
    try:
        return ros2(*arguments, timeout=60)
    except subprocess.TimeoutExpired as timeout:
        said = timeout.stdout.decode() if isinstance(timeout.stdout, bytes) else timeout.stdout
        if "Goal accepted" in (said or ""):
            raise AssertionError(f"accepted, but no result in 60 s: {said}") from timeout
    return ros2(*arguments, timeout=90)


def wait_for_nodes(names: set[str], timeout: float = 60.0) -> None:
    seen, deadline = set(), time.monotonic() + timeout
    while not names <= seen:  # discovery under load: what any listing saw
        assert time.monotonic() < deadline, seen
        listed = ros2("node", "list", "--no-daemon", "--spin-time", "3")
        seen |= {name.lstrip("/") for name in listed.split()}


def wait_until_running(cell: Launched) -> list[int]:
    """Every node past its start (the last to finish loading are the critic and the
    recovery; every node on the graph); returns the nodes' process ids."""
    for line in ("ready: uniintervene/arbitrate takes episodes", "simulating pick_eggplant",
                 "loaded critic from", "memory: "):  # fmt: skip
        cell.wait_for(line, timeout=90)
    wait_for_nodes(SIM_NODES)
    return [int(pid) for pid in re.findall(r"process started with pid \[(\d+)\]", cell.output())]


def test_ctrl_c_ends_every_node_cleanly(sim_cell):
    assert len(wait_until_running(sim_cell)) == len(SIM_NODES)
    code = sim_cell.interrupt([signal.SIGINT])
    output = sim_cell.output()
    assert code == 0, output[-3000:]
    assert "Traceback" not in output and "process has died" not in output, output[-3000:]
    assert output.count("process has finished cleanly") == len(SIM_NODES), output[-3000:]


def test_sigterm_ends_every_node_without_a_traceback(sim_cell):
    """SIGTERM to the process group (a service manager's stop): upstream launch cancels
    itself without waiting for its processes, so each node must end on its own."""
    pids = wait_until_running(sim_cell)
    sim_cell.interrupt([signal.SIGTERM])
    deadline = time.monotonic() + 30
    while alive := [pid for pid in pids if psutil.pid_exists(pid) and
                    psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]:  # fmt: skip
        assert time.monotonic() < deadline, f"nodes still running: {alive}"
        time.sleep(0.2)
    assert "Traceback" not in sim_cell.output(), sim_cell.output()[-3000:]


def test_ctrl_c_mid_episode_keeps_the_recording_and_the_learners_data(tmp_path, tiny_model_dir):
    """The learned policy in the cell (learner_node beside it): Ctrl-C while an episode
    runs; its recording reads back, the learner's buffers and checkpoint load."""
    from uniintervene_learner.buffer import TransitionBuffer
    from uniintervene_learner.checkpoint import load_checkpoint
    from uniintervene_supervisor.recorder import read_recording

    learner_dir, recordings = tmp_path / "learner", tmp_path / "recordings"
    cell = Launched(
        ["uniintervene_bringup", "sim.launch.py", f"models:={tiny_model_dir}",
         f"recordings:={recordings}", "policy:=learned", f"learner_dir:={learner_dir}"],
        tmp_path / "launch.log",
    )  # fmt: skip
    goal, goal_log = None, tmp_path / "send_goal.log"
    try:
        for line in ("ready: uniintervene/arbitrate takes episodes", "loaded critic from",
                     "learning pick_eggplant"):  # fmt: skip
            cell.wait_for(line, timeout=90)
        with goal_log.open("w") as log:
            goal = subprocess.Popen(
                [ROS2, "action", "send_goal", "/uniintervene/arbitrate",
                 "uniintervene_msgs/action/Arbitrate",
                 "{task: pick_eggplant, max_ticks: 3000, autonomous_intervention: true}"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        # on two loaded cores the CLI's start, discovery and the reset take tens of seconds
        deadline = time.monotonic() + 120
        while not list(recordings.glob("*.mcap")):
            assert time.monotonic() < deadline, (goal_log.read_text(), cell.output()[-3000:])
            time.sleep(0.5)
        time.sleep(5.0)  # ~50 ticks into the episode
        code = cell.interrupt([signal.SIGINT])
    finally:
        cell.stop()
        if goal is not None:
            goal.kill()
            goal.wait()
    output = cell.output()
    assert code == 0 and "Traceback" not in output, output[-3000:]
    assert "process has died" not in output, output[-3000:]
    (recording,) = recordings.glob("*.mcap")
    topics_recorded = [topic for topic, *_ in read_recording(recording)]
    assert topics_recorded.count("/joint_states") >= 20, len(topics_recorded)
    agent, _ = load_checkpoint(learner_dir / "learner.safetensors", device="cpu")
    stored = 0
    for name in ("prior", "online"):
        meta = json.loads((learner_dir / name / "buffer.json").read_text())
        buffer = TransitionBuffer(learner_dir / name, meta["obs_dim"], meta["action_dim"],
                                  meta["capacity"])  # fmt: skip
        stored += len(buffer)
    assert stored >= 20 and agent.obs_dim == meta["obs_dim"]


def launch_ur7e(tmp_path, tiny_model_dir, *arguments: str) -> pathlib.Path:
    """ur7e.launch.py with stand-ins for the upstream packages, until Servo has started
    (after the robot description); returns the stand-ins' folder with their records."""
    root = tmp_path / "standins"
    env = standins.make_prefix(root)
    launched = Launched(
        ["uniintervene_bringup", "ur7e.launch.py", "robot_ip:=192.168.56.101",
         f"models:={tiny_model_dir}", *arguments],
        tmp_path / "launch.log", env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not standins.records(root, "servo_node"):
            assert launched.process.poll() is None, launched.output()[-3000:]
            assert time.monotonic() < deadline, launched.output()[-3000:]
            time.sleep(0.5)
    finally:
        launched.interrupt([signal.SIGINT])
    return root


def test_ur7e_launch_file_shows_its_arguments(tmp_path):
    """Executed, not parsed: `launch.condition = ...` once made it fail before any node."""
    env = standins.make_prefix(tmp_path / "standins")
    shown = subprocess.run(
        [ROS2, "launch", "uniintervene_bringup", "ur7e.launch.py", "--show-args"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env}, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    for name in ("robot_ip", "use_mock_hardware", "wrist_camera_serial", "scene_camera_serial",
                 "models", "namespace", "autonomous_intervention"):  # fmt: skip
        assert f"'{name}'" in shown.stdout


def test_ur7e_launch_hands_the_driver_the_servo_and_the_camera_what_they_need(
    tmp_path, tiny_model_dir
):
    """The real cell's launch description run with stand-ins for the upstream packages
    (uniintervene_testing.standins): what the UR driver, Servo and the camera are given."""
    root = launch_ur7e(tmp_path, tiny_model_dir, "use_mock_hardware:=true")
    (driver,) = standins.records(root, "ur_robot_driver")  # ur_control.launch.py's arguments
    assert driver["ur_type"] == "ur7e" and driver["robot_ip"] == "192.168.56.101"
    assert driver["use_mock_hardware"] == "true" and driver["launch_rviz"] == "false"
    assert driver["initial_joint_controller"] == "forward_position_controller"
    # ur_control.launch.py's own default: the UR7e's factory kinematics
    assert driver["kinematics_params_file"].endswith(
        "ur_description/config/ur7e/default_kinematics.yaml"
    )
    (camera,) = standins.records(root, "realsense2_camera")  # no scene serial: one camera
    assert camera["camera_name"] == "camera" and camera["enable_depth"] == "false"
    assert camera["rgb_camera.color_profile"] == "640,480,30" and camera["serial_no"] == "''"
    assert float(camera["diagnostics_period"]) > 0  # rs_launch.py's 0 publishes none
    # Servo starts once the driver's robot description exists, with the UR7e's SRDF (as
    # ur_moveit_config's ur_moveit.launch.py) and our servo.yaml
    assert standins.records(root, "wait_for_robot_description")
    (servo,) = standins.records(root, "servo_node")
    assert any(p.endswith("config/servo.yaml") for p in servo["arguments"])
    params = [yaml.safe_load(text)["/**"]["ros__parameters"] for text in servo["params"][:1]]
    semantic = params[0]["robot_description_semantic"]  # the stand-in builder's record
    assert "'srdf': 'srdf/ur.srdf.xacro'" in semantic and "{'name': 'ur7e'}" in semantic
    assert "'package_name': 'ur_moveit_config'" in semantic
    (aggregator,) = standins.records(root, "aggregator_node")  # installed here: started
    assert any(p.endswith("config/diagnostics.yaml") for p in aggregator["arguments"])
    assert standins.records(root, "spacenav_node") and standins.records(root, "rviz2")


def test_ur7e_launch_starts_the_scene_camera_where_its_serial_is_given(tmp_path, tiny_model_dir):
    """Serials as a user types them (digits) reach realsense2_camera as strings: its
    serial_no is a string parameter, so the launch file adds the documented '_'."""
    root = launch_ur7e(
        tmp_path, tiny_model_dir, "wrist_camera_serial:=831612073525",
        "scene_camera_serial:=_938422070187",
    )  # fmt: skip
    cameras = {c["camera_name"]: c for c in standins.records(root, "realsense2_camera")}
    assert set(cameras) == {"camera", "scene"}
    assert cameras["camera"]["serial_no"] == "_831612073525"
    assert cameras["scene"]["serial_no"] == "_938422070187"
    # rs_launch.py publishes /<camera_namespace "camera">/<camera_name>/color/image_raw:
    # where critic_node listens for each view
    assert topics.IMAGE == "camera/camera/color/image_raw"
    assert topics.SCENE_IMAGE == f"camera/{cameras['scene']['camera_name']}/color/image_raw"


def refused_ur7e(root, *arguments: str) -> str:
    """ur7e.launch.py with stand-ins and `arguments`, which it must refuse before any
    upstream package starts; returns what it said."""
    env = standins.make_prefix(root)
    done = subprocess.run(
        [ROS2, "launch", "uniintervene_bringup", "ur7e.launch.py", "robot_ip:=10.0.0.2",
         *arguments],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env}, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    for started in ("ur_robot_driver", "realsense2_camera", "moveit_servo"):
        assert not standins.records(root, started)
    return done.stdout + done.stderr


def test_ur7e_launch_refuses_a_scene_camera_without_the_wrist_cameras_serial(tmp_path):
    said = refused_ur7e(tmp_path / "standins", "scene_camera_serial:=938422070187")
    assert "give both serials" in said


def test_ur7e_launch_refuses_a_namespace_that_would_leave_the_driver_shared(tmp_path):
    """namespace:= moves only our nodes: the driver's spawners name /controller_manager,
    so Servo and the driver stay at the root, and a second cell would command this arm."""
    said = refused_ur7e(tmp_path / "standins", "namespace:=cell_2")
    assert "Give each real cell its own ROS_DOMAIN_ID" in said


def test_ur7e_launch_hands_the_driver_the_arms_calibration_and_refuses_a_missing_one(
    tmp_path, tiny_model_dir
):
    calibration = tmp_path / "ur7e_calibration.yaml"
    calibration.write_text("kinematics: {hash: calib_12345}\n")
    root = launch_ur7e(tmp_path, tiny_model_dir, f"kinematics_params_file:={calibration}")
    (driver,) = standins.records(root, "ur_robot_driver")
    assert driver["kinematics_params_file"] == str(calibration)
    said = refused_ur7e(tmp_path / "missing", f"kinematics_params_file:={tmp_path / 'none.yaml'}")
    assert "calibration_correction.launch.py" in said
