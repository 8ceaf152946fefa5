"""The real cell: UR7e driver, MoveIt Servo, RealSense, SpaceMouse, and UniIntervene.

    ros2 launch uniintervene_bringup ur7e.launch.py robot_ip:=192.168.56.101 \
        models:=/data/models autonomous_intervention:=true [use_mock_hardware:=true] \
        [memory:=/data/memory.safetensors] [recordings:=/data/recordings]
        [wrist_camera_serial:=...] [scene_camera_serial:=...]   # two RealSenses: both serials
        [kinematics_params_file:=/data/ur7e_calibration.yaml]   # from ur_calibration
                                                                # (digits; the '_' is added)

Checked against the Jazzy sources (docs/real_cell.md):
- ur_robot_driver 3.8 launch/ur_control.launch.py: ur_type ur7e (with its update-rate
  file since 3.5.0), forward_position_controller for Servo's Float64MultiArray output;
  kinematics_params_file (ur_rsp.launch.py; default ur_description's
  config/ur7e/default_kinematics.yaml), the arm's own calibration as ur_calibration's
  calibration_correction.launch.py extracts it (ur_calibration/doc/usage.rst);
- ur_moveit_config (jazzy) launch/ur_moveit.launch.py: Servo gets MoveItConfigsBuilder's
  SRDF and kinematics (the ur_manipulator group) and starts once the driver's robot
  description exists (ur_robot_driver's wait_for_robot_description);
- realsense2_camera 4.55 launch/rs_launch.py: camera_namespace "camera" and camera_name
  give /camera/<name>/color/image_raw; serial_no picks the device when two are plugged in
  (the wrist camera keeps the name "camera", the scene camera is "scene"); serial_no is a
  string parameter, hence the '_' prefix (README "serial_no:=_831612073525"), and
  diagnostics_period (default 0) must be > 0 for /diagnostics;
- moveit_servo 2.12 servo_node: exits when it has no complete joint state within 5 s, so
  it is respawned; the supervisor switches it to TWIST whenever it (re)appears.
"""

import sys
from pathlib import Path

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import (
    DeclareLaunchArgument,
    IncludeLaunchDescription,
    OpaqueFunction,
    RegisterEventHandler,
)
from launch.conditions import IfCondition
from launch.event_handlers import OnProcessExit
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitution import Substitution
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch.utilities import perform_substitutions
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

sys.path.insert(0, str(Path(__file__).parent))
from common import aggregator_node, graph_arguments, graph_nodes_action  # noqa: E402


def include(package: str, launch_file: str, arguments: dict, condition=None):
    path = Path(get_package_share_directory(package)) / "launch" / launch_file
    # the condition goes to the constructor: launch's Action.condition has no setter
    # (ros2/launch jazzy, launch/action.py)
    return IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(path)),
        launch_arguments=arguments.items(),
        condition=condition,
    )


class SerialNumber(Substitution):
    """A RealSense serial as realsense2_camera wants it: its node declares `serial_no` a
    string, so digits alone (an integer parameter) get the '_' prefix its README
    documents (realsense_node_factory.cpp strips it); empty is "''", any device."""

    def __init__(self, serial):
        super().__init__()
        self.serial = serial

    def perform(self, context) -> str:
        text = perform_substitutions(context, [self.serial]).strip().strip("'\"")
        return f"_{text}" if text.isdigit() else (text or "''")


def realsense(name: str, serial, condition=None):
    """One RealSense colour stream on /camera/<name>/color/image_raw, 640x480 at 30 Hz,
    reporting on /diagnostics every second (rs_launch.py's default 0 publishes none)."""
    return include(
        "realsense2_camera",
        "rs_launch.py",
        {
            "camera_name": name,
            "serial_no": SerialNumber(serial),
            "rgb_camera.color_profile": "640,480,30",
            "enable_depth": "false",
            "diagnostics_period": "1.0",
        },
        condition,
    )


def check_camera_serials(context):
    """With two RealSenses plugged in, a wrist node without a serial takes whichever
    camera comes first: the scene camera then needs the wrist camera's serial too."""
    wrist = SerialNumber(LaunchConfiguration("wrist_camera_serial")).perform(context)
    scene = LaunchConfiguration("scene_camera_serial").perform(context).strip("'\" ")
    if scene and wrist == "''":
        raise RuntimeError(
            "scene_camera_serial is given without wrist_camera_serial: with two RealSenses "
            "the wrist node would take whichever comes first; give both serials"
        )
    return []


def check_calibration(context):
    """A calibration file that is not there would fail inside the driver, after the
    cameras and our nodes started: refuse it first."""
    path = LaunchConfiguration("kinematics_params_file").perform(context)
    if not Path(path).is_file():
        raise RuntimeError(
            f"kinematics_params_file {path} not found: extract the arm's calibration with "
            "'ros2 launch ur_calibration calibration_correction.launch.py robot_ip:=<ip> "
            "target_filename:=<file>' (docs/real_cell.md#a-dry-run-without-the-arm)"
        )
    return []


def refuse_a_namespace(context):
    """`namespace:=` would namespace only our nodes: ur_control.launch.py's controller
    spawners name /controller_manager absolutely, so the driver, Servo and the cameras
    stay at the root, and a second cell on the same domain would command the first
    cell's arm. Several real cells run on one ROS_DOMAIN_ID each
    (docs/real_cell.md#several-real-cells)."""
    if LaunchConfiguration("namespace").perform(context):
        raise RuntimeError(
            "namespace:= is for simulated cells: on a real cell the UR driver, MoveIt Servo "
            "and the cameras stay at the root, so a second cell on this domain would command "
            "this cell's arm. Give each real cell its own ROS_DOMAIN_ID (a learner serves "
            "them all through domain_bridge: docs/real_cell.md#several-real-cells)"
        )
    return []


def servo_node(bringup: Path) -> Node:
    """MoveIt Servo with the UR's SRDF and kinematics, as ur_moveit_config starts it."""
    from moveit_configs_utils import MoveItConfigsBuilder

    moveit_config = (
        MoveItConfigsBuilder(robot_name="ur", package_name="ur_moveit_config")
        .robot_description_semantic(Path("srdf") / "ur.srdf.xacro", {"name": "ur7e"})
        .to_moveit_configs()
    )
    return Node(
        package="moveit_servo",
        executable="servo_node",
        name="servo_node",
        output="screen",
        parameters=[moveit_config.to_dict(), str(bringup / "config" / "servo.yaml")],
        respawn=True,  # it exits when joint states are not complete within 5 s
        respawn_delay=3.0,
    )


def generate_launch_description():
    bringup = Path(get_package_share_directory("uniintervene_bringup"))
    wait_for_robot = Node(
        package="ur_robot_driver", executable="wait_for_robot_description", output="screen"
    )
    return LaunchDescription(
        [
            DeclareLaunchArgument("robot_ip", description="IP address of the UR7e controller"),
            DeclareLaunchArgument(
                "use_mock_hardware",
                default_value="false",
                description="ros2_control mock hardware instead of the arm (no robot program "
                "state is published then: the supervisor stops requiring it)",
            ),
            DeclareLaunchArgument(
                "wrist_camera_serial", default_value="''", description="wrist RealSense serial"
            ),
            DeclareLaunchArgument(
                "scene_camera_serial",
                default_value="",
                description="scene RealSense serial: the second view of a two-view critic "
                "(empty: no scene camera)",
            ),
            DeclareLaunchArgument(
                "kinematics_params_file",
                default_value=PathJoinSubstitution(
                    [
                        FindPackageShare("ur_description"),
                        "config",
                        "ur7e",
                        "default_kinematics.yaml",
                    ]
                ),  # fmt: skip
                description="the arm's calibration (ur_calibration); default: the factory "
                "kinematics of a UR7e (ur_description), as ur_control.launch.py",
            ),
            OpaqueFunction(function=check_camera_serials),  # before anything starts
            OpaqueFunction(function=check_calibration),
            *graph_arguments(),
            OpaqueFunction(function=refuse_a_namespace),
            include(
                "ur_robot_driver",
                "ur_control.launch.py",
                {
                    "ur_type": "ur7e",
                    "robot_ip": LaunchConfiguration("robot_ip"),
                    "use_mock_hardware": LaunchConfiguration("use_mock_hardware"),
                    "initial_joint_controller": "forward_position_controller",
                    "kinematics_params_file": LaunchConfiguration("kinematics_params_file"),
                    "launch_rviz": "false",
                },
            ),
            wait_for_robot,
            RegisterEventHandler(
                OnProcessExit(target_action=wait_for_robot, on_exit=[servo_node(bringup)])
            ),
            realsense("camera", LaunchConfiguration("wrist_camera_serial")),
            realsense(
                "scene",
                LaunchConfiguration("scene_camera_serial"),
                IfCondition(
                    PythonExpression(["'", LaunchConfiguration("scene_camera_serial"), "' != ''"])
                ),
            ),
            Node(package="spacenav", executable="spacenav_node", name="spacenav", output="screen"),
            aggregator_node(bringup),
            Node(
                package="rviz2",
                executable="rviz2",
                name="rviz2",
                arguments=["-d", str(bringup / "rviz" / "uniintervene.rviz")],
            ),
            graph_nodes_action("real"),
        ]
    )
