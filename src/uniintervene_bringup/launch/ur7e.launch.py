"""The real cell: UR7e driver, MoveIt Servo, RealSense, SpaceMouse, and UniIntervene.

    ros2 launch uniintervene_bringup ur7e.launch.py robot_ip:=192.168.56.101 \
        models:=/data/models autonomous_intervention:=true [use_mock_hardware:=true] \
        [memory:=/data/memory.safetensors] [recordings:=/data/recordings]
"""

import sys
from pathlib import Path

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

sys.path.insert(0, str(Path(__file__).parent))
from common import graph_launch  # noqa: E402


def include(package: str, launch_file: str, arguments: dict):
    path = Path(get_package_share_directory(package)) / "launch" / launch_file
    return IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(path)), launch_arguments=arguments.items()
    )


def generate_launch_description():
    bringup = Path(get_package_share_directory("uniintervene_bringup"))
    return LaunchDescription(
        [
            DeclareLaunchArgument("robot_ip", description="IP address of the UR7e controller"),
            DeclareLaunchArgument(
                "use_mock_hardware",
                default_value="false",
                description="ros2_control mock hardware instead of the arm",
            ),
            include(
                "ur_robot_driver",
                "ur_control.launch.py",
                {
                    "ur_type": "ur7e",
                    "robot_ip": LaunchConfiguration("robot_ip"),
                    "use_mock_hardware": LaunchConfiguration("use_mock_hardware"),
                    "initial_joint_controller": "forward_position_controller",
                    "launch_rviz": "false",
                },
            ),
            Node(
                package="moveit_servo",
                executable="servo_node",
                name="servo_node",
                output="screen",
                parameters=[str(bringup / "config" / "servo.yaml")],
            ),
            include(
                "realsense2_camera",
                "rs_launch.py",
                {"rgb_camera.color_profile": "640,480,30", "enable_depth": "false"},
            ),
            Node(package="spacenav", executable="spacenav_node", name="spacenav", output="screen"),
            Node(
                package="rviz2",
                executable="rviz2",
                name="rviz2",
                arguments=["-d", str(bringup / "rviz" / "uniintervene.rviz")],
            ),
            *graph_launch("real"),
        ]
    )
