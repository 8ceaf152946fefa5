"""Shared by the launch files: our nodes from config/graph.yaml as launch_ros Nodes."""

from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from uniintervene_bringup.graph import load_graph


def graph_nodes(graph: str, context):
    models = LaunchConfiguration("models").perform(context)
    recordings = LaunchConfiguration("recordings").perform(context)
    autonomous = LaunchConfiguration("autonomous_intervention").perform(context) == "true"
    memory = LaunchConfiguration("memory").perform(context)
    nodes = []
    specs = load_graph(graph, models, recordings, autonomous, memory=memory)
    for spec in specs:
        nodes.append(
            Node(
                package=spec.package,
                executable=spec.executable,
                name=spec.executable,
                output="screen",
                parameters=[*map(str, spec.params), spec.overrides],
            )
        )
    return nodes
