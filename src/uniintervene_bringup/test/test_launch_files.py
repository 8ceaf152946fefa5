"""The configuration the launch files hand to upstream packages, checked against their
Jazzy sources (the launch files themselves are executed: test_ros2_launch.py,
test_sim_launch.py)."""

import pathlib

import yaml
from ament_index_python.packages import get_package_share_directory

SHARE = pathlib.Path(get_package_share_directory("uniintervene_bringup"))
LAUNCH = SHARE / "launch"


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


def test_the_diagnostics_aggregator_groups_our_nodes():
    """rqt's Robot Monitor reads /diagnostics_agg (the aggregator is started by both
    launch files where installed: test_ros2_launch.py)."""
    config = yaml.safe_load((SHARE / "config" / "diagnostics.yaml").read_text())
    analyzer = config["analyzers"]["ros__parameters"]["uniintervene"]
    assert analyzer["type"] == "diagnostic_aggregator/GenericAnalyzer"
