"""The rqt perspective and the RViz config point at topics and fields the graph publishes
(checked against the message definitions; rqt and RViz themselves are not installable
here)."""

import ast
import importlib
import json
import pathlib

import yaml
from ament_index_python.packages import get_package_share_directory

from uniintervene_supervisor.nodes.supervisor_node import RECORDED

SHARE = pathlib.Path(get_package_share_directory("uniintervene_bringup"))


def message_class(type_name: str):
    package, _, name = type_name.split("/")
    return getattr(importlib.import_module(f"{package}.msg"), name)


def field_path_exists(path: str) -> bool:
    """'/uniintervene/critic/risk/risk' -> is `risk` a numeric field of the topic's type?"""
    for topic, type_name in RECORDED.items():
        if path.startswith(f"/{topic}/"):
            fields = message_class(type_name).get_fields_and_field_types()
            field = path[len(topic) + 2 :]
            return fields.get(field, "").startswith(("float", "uint", "int", "bool"))
    return False


def plugin_settings(perspective: dict, group: str) -> dict:
    keys = perspective["groups"]["pluginmanager"]["groups"][group]["groups"]["plugin"]["keys"]
    return {k: ast.literal_eval(v["repr"]) for k, v in keys.items()}


def test_rqt_perspective_plots_value_risk_and_mode_and_shows_the_camera():
    perspective = json.loads((SHARE / "config" / "uniintervene.perspective").read_text())
    manager = perspective["groups"]["pluginmanager"]
    running = ast.literal_eval(manager["keys"]["running-plugins"]["repr"])
    for plugin, instances in running.items():
        for instance in instances:
            assert f"plugin__{plugin.replace('/', '__')}__{instance}" in manager["groups"]
    plotted = [
        topic
        for instance in running["rqt_plot/Plot"]
        for topic in plugin_settings(perspective, f"plugin__rqt_plot__Plot__{instance}")["topics"]
    ]
    assert {
        "/uniintervene/critic/value/value",
        "/uniintervene/critic/risk/risk",
        "/uniintervene/control_mode/mode",
    } <= set(plotted)
    for topic in plotted:
        assert field_path_exists(topic), topic
    camera = plugin_settings(perspective, "plugin__rqt_image_view__ImageView__1")["topic"]
    assert RECORDED[camera.lstrip("/")] == "sensor_msgs/msg/Image"
    assert "rqt_robot_monitor/RobotMonitor" in running  # /diagnostics_agg (the aggregator)
    for instance in running["rqt_plot/Plot"]:
        # qt_gui names a dock '<plugin>__<instance>__<widget objectName>'; rqt_plot's
        # widget is PlotWidget (rqt_plot/src/rqt_plot/plot_widget.py, setObjectName)
        plot = manager["groups"][f"plugin__rqt_plot__Plot__{instance}"]
        assert "dock_widget__PlotWidget" in plot["groups"], list(plot["groups"])


def test_rviz_config_shows_the_robot_the_camera_and_the_status_text():
    config = yaml.safe_load((SHARE / "rviz" / "uniintervene.rviz").read_text())
    displays = config["Visualization Manager"]["Displays"]
    classes = {d["Class"] for d in displays}
    assert {
        "rviz_default_plugins/RobotModel",
        "rviz_default_plugins/Image",
        "rviz_default_plugins/Marker",
    } <= classes
    marker = next(d for d in displays if d["Class"] == "rviz_default_plugins/Marker")
    assert marker["Topic"]["Value"] == "/uniintervene/status_marker"  # supervisor_node's
    image = next(d for d in displays if d["Class"] == "rviz_default_plugins/Image")
    assert RECORDED[image["Topic"]["Value"].lstrip("/")] == "sensor_msgs/msg/Image"
