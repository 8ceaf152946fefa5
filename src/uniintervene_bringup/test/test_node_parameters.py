"""Every node of both graphs, built in-process: each parameter it declares is in its YAML
file with a comment, has a description, and the YAML holds nothing it does not declare."""

import importlib
import inspect
import re

import pytest
import rclpy
import yaml
from rclpy.node import Node

from uniintervene_bringup.graph import load_graph

SPECS = {
    (spec.package, spec.executable): spec
    for graph in ("sim", "real")
    for spec in load_graph(graph, models="/nonexistent", recordings="/tmp")
}


def node_class(package: str, executable: str):
    module = importlib.import_module(f"{package}.nodes.{executable}")
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, Node) and c.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"{module.__name__} defines {classes}"
    return classes[0]


@pytest.fixture(scope="module")
def rclpy_context():
    rclpy.init()
    yield
    rclpy.shutdown()


@pytest.mark.parametrize("key", sorted(SPECS), ids=lambda k: k[1])
def test_yaml_documents_exactly_the_declared_parameters(key, rclpy_context):
    spec = SPECS[key]
    node = node_class(*key)()
    try:
        declared = set(node._parameters) - {"use_sim_time", "start_type_description_service"}
        descriptors = node.describe_parameters(sorted(declared))
    finally:
        node.destroy_node()
    (params_file,) = spec.params
    text = params_file.read_text()
    in_yaml = set(yaml.safe_load(text)[spec.executable]["ros__parameters"])
    assert declared - in_yaml == set(), f"undocumented in {params_file.name}"
    assert in_yaml - declared == set(), f"{params_file.name} sets undeclared parameters"
    assert set(spec.overrides) <= declared, "graph.yaml overrides an undeclared parameter"
    for name, descriptor in zip(sorted(declared), descriptors, strict=True):
        assert descriptor.description, f"{name} has no description"
    section = text.split(f"\n{spec.executable}:", 1)[1].split("\n\n", 1)[0]
    for name in declared:
        line = re.search(rf"^\s+{name}:.*$", section, re.MULTILINE)
        assert line and "#" in line.group(0), f"{name} has no comment in {params_file.name}"
