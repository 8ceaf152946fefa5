"""One way to start a graph: through launch (launched_graph.py) wherever it is installed,
the home-made runner (runner.py) only as the fallback. Both must start the same nodes
with the same parameters; launch's handle reports a node that died."""

import signal

import psutil
import pytest
from rcl_interfaces.msg import ParameterType
from rclpy.parameter_client import AsyncParameterClient

from uniintervene_bringup.graph import load_graph
from uniintervene_bringup.launched_graph import LaunchedGraph, launch_available
from uniintervene_bringup.runner import GraphRunner

pytestmark = [
    pytest.mark.ros,
    pytest.mark.skipif(not launch_available(), reason="launch is not installed"),
]


def parameters(ros, node: str) -> dict:
    """Every parameter of a running node, name -> value, read over its services."""
    client = AsyncParameterClient(ros.node, node)
    ros.spin_until(client.services_are_ready, 60.0, f"{node}'s parameter services")
    names = ros.call_until_answered(client.list_parameters, what=f"{node} list").result.names
    values = ros.call_until_answered(
        lambda: client.get_parameters(names), what=f"{node} get"
    ).values
    fields = {
        ParameterType.PARAMETER_BOOL: "bool_value",
        ParameterType.PARAMETER_INTEGER: "integer_value",
        ParameterType.PARAMETER_DOUBLE: "double_value",
        ParameterType.PARAMETER_STRING: "string_value",
        ParameterType.PARAMETER_DOUBLE_ARRAY: "double_array_value",
        ParameterType.PARAMETER_STRING_ARRAY: "string_array_value",
        ParameterType.PARAMETER_INTEGER_ARRAY: "integer_array_value",
    }
    return {
        name: (value.type, list(v) if hasattr(v := getattr(value, fields[value.type], None),
                                              "__iter__") and not isinstance(v, str) else v)
        for name, value in zip(names, values, strict=True)
        if value.type in fields
    }  # fmt: skip


def test_launch_and_the_fallback_runner_start_the_same_nodes_with_the_same_parameters(
    ros, tmp_path, tiny_model_dir
):
    options = {"models": tiny_model_dir, "recordings": tmp_path / "recordings"}
    specs = load_graph("sim", **options)
    with (
        LaunchedGraph("sim", tmp_path / "logs", namespace="by_launch", **options),
        GraphRunner("sim", tmp_path / "logs", namespace="by_runner", **options),
    ):
        for spec in specs:
            launched = parameters(ros, f"/by_launch/{spec.executable}")
            run = parameters(ros, f"/by_runner/{spec.executable}")
            assert launched == run, spec.executable
            assert len(launched) > 3  # the node's own, not only use_sim_time


def test_launch_reports_a_node_that_died(ros, tmp_path, tiny_model_dir):
    graph = LaunchedGraph("sim", tmp_path / "logs", models=tiny_model_dir, namespace="dying")
    with graph:
        launch = psutil.Process(graph.process.pid)

        def sim_node():
            found = [p for p in launch.children() if "sim_node" in " ".join(p.cmdline())]
            return found[0] if found else None

        ros.spin_until(sim_node, 60.0, "sim_node started by launch")
        assert graph.dead() == []
        sim_node().send_signal(signal.SIGKILL)
        ros.spin_until(lambda: graph.dead() == ["sim_node"], 20.0, "sim_node reported dead")
    # the others were stopped by launch's SIGINT, cleanly, and their output is in the logs
    log = (tmp_path / "logs" / "dying.supervisor_node.log").read_text()
    assert "ready: uniintervene/arbitrate takes episodes" in log
    assert (
        '"node": "sim_node", "returncode": -9'
        in (tmp_path / "logs" / "dying.exits.jsonl").read_text()
    )
