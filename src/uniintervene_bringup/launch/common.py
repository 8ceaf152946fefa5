"""Shared by the launch files: the graph's launch arguments, and our nodes from
config/graph.yaml as launch_ros Nodes."""

from ament_index_python.packages import PackageNotFoundError, get_package_prefix
from launch.actions import DeclareLaunchArgument, LogInfo, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from uniintervene_bringup.graph import load_graph
from uniintervene_bringup.launched_graph import launch_node
from uniintervene_common.topics import POLICY_WEIGHTS


def graph_nodes(graph: str, context):
    models = LaunchConfiguration("models").perform(context)
    recordings = LaunchConfiguration("recordings").perform(context)
    autonomous = LaunchConfiguration("autonomous_intervention").perform(context) == "true"
    memory = LaunchConfiguration("memory").perform(context)
    namespace = LaunchConfiguration("namespace").perform(context)
    mock = LaunchConfiguration("use_mock_hardware", default="false").perform(context) == "true"
    specs = load_graph(
        graph,
        models,
        recordings,
        autonomous,
        memory=memory,
        namespace=namespace,
        mock_hardware=mock,
        **{
            name: LaunchConfiguration(name).perform(context)
            for name in ("policy", "task", "learner_dir", "weights_topic")
        },
    )
    return [launch_node(spec, output="screen") for spec in specs]


def aggregator_node(bringup):
    """/diagnostics -> /diagnostics_agg for rqt's Robot Monitor (diagnostic_aggregator, a
    C++ package of a ROS install): where it is not installed the cell runs without it,
    and one warning says so (it only serves a viewer)."""
    try:
        get_package_prefix("diagnostic_aggregator")
    except PackageNotFoundError:
        return LogInfo(
            msg="WARNING: diagnostic_aggregator is not installed: no /diagnostics_agg for "
            "rqt's Robot Monitor (install ros-jazzy-diagnostic-aggregator); /diagnostics "
            "is published as usual"
        )
    return Node(
        package="diagnostic_aggregator",
        executable="aggregator_node",
        name="diagnostic_aggregator",
        parameters=[str(bringup / "config" / "diagnostics.yaml")],
    )


def graph_launch(graph: str) -> list:
    """The arguments every cell takes, then the graph's nodes built from them."""
    return [*graph_arguments(), graph_nodes_action(graph)]


def graph_nodes_action(graph: str) -> OpaqueFunction:
    return OpaqueFunction(function=lambda context: graph_nodes(graph, context))


def graph_arguments() -> list:
    """The launch arguments every cell takes."""
    return [
        DeclareLaunchArgument(
            "models", default_value="models", description="folder with critic/ and recovery/"
        ),
        DeclareLaunchArgument(
            "memory",
            default_value="",
            description="intervention memory file ('' = <models>/recovery/memory.safetensors)",
        ),
        DeclareLaunchArgument(
            "recordings", default_value="recordings", description="episode MCAP folder"
        ),
        DeclareLaunchArgument(
            "namespace",
            default_value="",
            description="the cell's namespace ('' = the root; cell_2 runs a second simulated "
            "cell; real cells: one ROS_DOMAIN_ID each)",
        ),
        DeclareLaunchArgument(
            "autonomous_intervention",
            default_value="true",
            description="false: the HiL-SERL baseline (human only)",
        ),
        DeclareLaunchArgument(
            "policy",
            default_value="",
            description="scripted, learned (actor + learner) or actor (a shared learner); "
            "'' = the graph's default (sim: scripted, real: learned)",
        ),
        DeclareLaunchArgument(
            "task", default_value="pick_eggplant", description="the learner's task (action space)"
        ),
        DeclareLaunchArgument(
            "learner_dir",
            default_value="learner",
            description="the learner's buffers and checkpoint",
        ),
        DeclareLaunchArgument(
            "weights_topic",
            default_value=POLICY_WEIGHTS,
            description="the actor's weights (absolute for a learner shared by several cells)",
        ),
    ]
