"""The launch files, as far as they can be checked without `launch` installed: they
compile, read the same graph as the runner, and declare the documented arguments."""

import ast
import pathlib
import py_compile

import pytest
from ament_index_python.packages import get_package_share_directory

LAUNCH = pathlib.Path(get_package_share_directory("uniintervene_bringup")) / "launch"


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
    servo = (
        pathlib.Path(get_package_share_directory("uniintervene_bringup")) / "config" / "servo.yaml"
    )
    assert "incoming_command_timeout" in servo.read_text()
