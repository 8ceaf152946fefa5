"""The simulated cell: sim_node, the simulated operator and the base policy in place of
the drivers, with the same critic, recovery and supervisor as on the real UR7e.

    ros2 launch uniintervene_bringup sim.launch.py models:=models autonomous_intervention:=true
(where `launch` is not installed: `uniintervene run --graph sim`, which reads the same
config/graph.yaml)
"""

import sys
from pathlib import Path

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction

sys.path.insert(0, str(Path(__file__).parent))
from common import graph_nodes  # noqa: E402


def generate_launch_description():
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "models", default_value="models", description="folder with critic/ and recovery/"
            ),
            DeclareLaunchArgument(
                "memory",
                default_value="",
                description="intervention memory file ('' = <models>/recovery/memory.safetensors)",
            ),
            DeclareLaunchArgument(
                "recordings",
                default_value="recordings",
                description="folder for the episode MCAP files",
            ),
            DeclareLaunchArgument(
                "autonomous_intervention",
                default_value="true",
                description="false: the HiL-SERL baseline (human only)",
            ),
            OpaqueFunction(function=lambda context: graph_nodes("sim", context)),
        ]
    )
