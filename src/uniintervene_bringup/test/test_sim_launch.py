"""`sim.launch.py` launched for real by launch_pytest: two cells side by side through the
launch file's `namespace` argument, every node up, the camera and joint topics at their
rate, and an Arbitrate episode through each launched graph with its ticks counted."""

import pathlib
import time

import pytest

launch_pytest = pytest.importorskip(
    "launch_pytest",
    reason="no launch_pytest: install ROS 2 Jazzy, use docker/, or let make setup build the "
    "tools (UNIINTERVENE_ROS_TOOLS)",
)

from ament_index_python.packages import get_package_share_directory  # noqa: E402
from launch import LaunchDescription  # noqa: E402
from launch.actions import GroupAction, IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
from sensor_msgs.msg import Image, JointState  # noqa: E402

from uniintervene_common.qos import SENSOR  # noqa: E402
from uniintervene_testing.episodes import run_episodes  # noqa: E402

pytestmark = pytest.mark.ros
CELLS = {"cell_1": "tube_insertion", "cell_2": "wipe"}
NODES = ("sim_node", "policy_node", "operator_node", "critic_node", "recovery_node",
         "supervisor_node")  # fmt: skip


@launch_pytest.fixture
def two_cells(tiny_model_dir, tmp_path):
    sim = pathlib.Path(get_package_share_directory("uniintervene_bringup")) / "launch"
    cells = [
        GroupAction(
            [
                IncludeLaunchDescription(
                    PythonLaunchDescriptionSource(str(sim / "sim.launch.py")),
                    launch_arguments={
                        "models": str(tiny_model_dir),
                        "recordings": str(tmp_path / cell),
                        "namespace": cell,
                        "autonomous_intervention": "false",
                    }.items(),
                )
            ],
            scoped=True,  # each cell's arguments stay its own
        )
        for cell in CELLS
    ]
    return LaunchDescription([*cells, launch_pytest.actions.ReadyToTest()])


def rate(ros, msg_type, topic: str, seconds: float, qos=10) -> float:
    probe = ros.probe(msg_type, topic, qos)
    probe.wait_for(1, timeout=90.0)  # the cell is up and publishing
    probe.clear()
    started = time.monotonic()
    ros.spin_for(seconds)
    return len(probe.messages) / (time.monotonic() - started)


@pytest.mark.launch(fixture=two_cells)
def test_two_launched_cells_run_their_episodes_at_rate(ros, tmp_path):
    for cell in CELLS:
        joints = rate(ros, JointState, f"/{cell}/joint_states", 3.0)
        camera = rate(ros, Image, f"/{cell}/camera/camera/color/image_raw", 3.0, SENSOR)
        assert 7.0 <= joints <= 13.0 and 7.0 <= camera <= 13.0, (cell, joints, camera)
    running = {f"{ns}/{name}" for name, ns in ros.node.get_node_names_and_namespaces()}
    for cell in CELLS:
        assert {f"/{cell}/{node}" for node in NODES} <= running, running
    results = run_episodes(ros, CELLS, max_ticks=30, timeout=90.0)
    for cell, result in results.items():
        assert 0 < result.ticks <= 30 and result.policy_ticks + result.human_ticks > 0
        assert result.recording.startswith(str(tmp_path / cell))
    names = {name for name, _ in ros.node.get_topic_names_and_types()}
    assert "/joint_states" not in names and "/uniintervene/command" not in names
