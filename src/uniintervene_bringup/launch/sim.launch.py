"""The simulated cell: sim_node, the simulated operator and the base policy in place of
the drivers, with the same critic, recovery and supervisor as on the real UR7e.

    ros2 launch uniintervene_bringup sim.launch.py models:=models autonomous_intervention:=true
(or `uniintervene run --graph sim`, which reads the same
config/graph.yaml)
"""

import sys
from pathlib import Path

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription

sys.path.insert(0, str(Path(__file__).parent))
from common import aggregator_node, graph_launch  # noqa: E402


def generate_launch_description():
    bringup = Path(get_package_share_directory("uniintervene_bringup"))
    return LaunchDescription([aggregator_node(bringup), *graph_launch("sim")])
