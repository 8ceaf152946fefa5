"""The launch files, as far as they can be checked without `launch` installed: they
compile, read the same graph as the runner, and declare the documented arguments."""

import ast
import pathlib
import py_compile

import pytest
import yaml
from ament_index_python.packages import get_package_share_directory

from uniintervene_common import topics

SHARE = pathlib.Path(get_package_share_directory("uniintervene_bringup"))
LAUNCH = SHARE / "launch"


def launch_calls(path: pathlib.Path) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)]


@pytest.mark.parametrize("name,graph", [("sim.launch.py", "sim"), ("ur7e.launch.py", "real")])
def test_launch_file_compiles_and_uses_the_graph(name, graph):
    path = LAUNCH / name
    py_compile.compile(str(path), doraise=True)
    calls = launch_calls(path)
    graphs = {c.args[0].value for c in calls if getattr(c.func, "id", "") == "graph_launch"}
    assert graphs == {graph}
    # the file's own arguments plus the shared ones graph_launch declares (common.py)
    calls += launch_calls(LAUNCH / "common.py")
    declared = {
        c.args[0].value for c in calls if getattr(c.func, "id", "") == "DeclareLaunchArgument"
    }
    assert {"models", "memory", "recordings", "autonomous_intervention", "namespace"} <= declared


def test_real_cell_includes_the_drivers_with_the_ur7e():
    source = "".join((LAUNCH / "ur7e.launch.py").read_text().split())  # formatting-proof
    for needle in (
        '"ur_robot_driver", "ur_control.launch.py"',
        '"ur_type": "ur7e"',
        '"realsense2_camera", "rs_launch.py"',
        'package="moveit_servo"',
        '"use_mock_hardware"',
        '"robot_ip"',
    ):
        assert "".join(needle.split()) in source, needle


# moveit_servo 2.12.4 (Jazzy), moveit_ros/moveit_servo/config/servo_parameters.yaml: every
# key Servo knows (the ones under scale. and pose_tracking. as their prefix)
SERVO_KEYS = {
    "thread_priority", "publish_period", "max_expected_latency", "move_group_name",
    "active_subgroup", "pose_command_in_topic", "cartesian_command_in_topic",
    "joint_command_in_topic", "command_in_type", "scale", "incoming_command_timeout",
    "apply_twist_commands_about_ee_frame", "pose_tracking", "status_topic",
    "command_out_topic", "command_out_type", "publish_joint_positions",
    "publish_joint_velocities", "publish_joint_accelerations",
    "monitored_planning_scene_topic", "joint_topic", "check_octomap_collisions",
    "is_primary_planning_scene_monitor", "use_smoothing", "smoothing_filter_plugin_name",
    "check_collisions", "self_collision_proximity_threshold",
    "scene_collision_proximity_threshold", "collision_check_rate",
    "lower_singularity_threshold", "hard_stop_singularity_threshold",
    "leaving_singularity_threshold_multiplier", "singularity_step_scale",
    "halt_all_joints_in_joint_mode", "halt_all_joints_in_cartesian_mode",
    "joint_limit_margins", "override_velocity_scaling_factor",
}  # fmt: skip


def test_servo_yaml_holds_only_keys_jazzy_servo_knows():
    servo = yaml.safe_load((SHARE / "config" / "servo.yaml").read_text())
    keys = set(servo["servo_node"]["ros__parameters"]["moveit_servo"])
    assert keys <= SERVO_KEYS, keys - SERVO_KEYS
    assert {"move_group_name", "incoming_command_timeout", "command_out_topic"} <= keys


def call_named(calls, name):
    return [c for c in calls if getattr(c.func, "id", getattr(c.func, "attr", "")) == name]


def test_servo_gets_the_srdf_and_kinematics_and_starts_after_the_robot_description():
    """As ur_moveit_config's ur_moveit.launch.py (jazzy) starts it: MoveItConfigsBuilder's
    dict carries robot_description_semantic and robot_description_kinematics."""
    calls = launch_calls(LAUNCH / "ur7e.launch.py")
    (builder,) = call_named(calls, "MoveItConfigsBuilder")
    assert {k.arg: k.value.value for k in builder.keywords} == {
        "robot_name": "ur",
        "package_name": "ur_moveit_config",
    }
    (semantic,) = call_named(calls, "robot_description_semantic")
    assert "ur.srdf.xacro" in ast.unparse(semantic.args[0])
    assert ast.literal_eval(semantic.args[1]) == {"name": "ur7e"}
    servo = next(
        c
        for c in call_named(calls, "Node")
        if any(k.arg == "package" and k.value.value == "moveit_servo" for k in c.keywords)
    )
    keywords = {k.arg: k.value for k in servo.keywords}
    assert "moveit_config.to_dict()" in ast.unparse(keywords["parameters"])
    assert "servo.yaml" in ast.unparse(keywords["parameters"])
    assert ast.literal_eval(keywords["respawn"]) is True
    source = (LAUNCH / "ur7e.launch.py").read_text()
    assert "wait_for_robot_description" in source and "OnProcessExit" in source


@pytest.mark.parametrize("name", ["sim.launch.py", "ur7e.launch.py"])
def test_the_diagnostics_aggregator_feeds_the_robot_monitor(name):
    calls = launch_calls(LAUNCH / name)
    assert call_named(calls, "aggregator_node"), "rqt's Robot Monitor reads /diagnostics_agg"
    config = yaml.safe_load((SHARE / "config" / "diagnostics.yaml").read_text())
    analyzer = config["analyzers"]["ros__parameters"]["uniintervene"]
    assert analyzer["type"] == "diagnostic_aggregator/GenericAnalyzer"


def test_real_cell_starts_a_scene_camera_where_its_serial_is_given():
    """rs_launch.py publishes /<camera_namespace "camera">/<camera_name>/color/image_raw: the
    scene RealSense must land where critic_node listens for the second view."""
    calls = launch_calls(LAUNCH / "ur7e.launch.py")
    declared = {c.args[0].value for c in call_named(calls, "DeclareLaunchArgument")}
    assert {"wrist_camera_serial", "scene_camera_serial"} <= declared
    names = [c.args[0].value for c in call_named(calls, "realsense")]
    assert names == ["camera", "scene"]
    (scene,) = [c for c in call_named(calls, "realsense") if c.args[0].value == "scene"]
    assert len(scene.args) == 3  # the scene camera is conditional on its serial
    assert topics.IMAGE == "camera/camera/color/image_raw"
    assert topics.SCENE_IMAGE == "camera/scene/color/image_raw"
