"""Every node of both graphs declares exactly its schema (uniintervene_common.params), and
its YAML file documents exactly that schema: each parameter set, in range, with a
comment; read-only as the schema says."""

import importlib
import inspect
import re

import pytest
import rclpy
import yaml
from rclpy.node import Node

from uniintervene_bringup.graph import load_graph
from uniintervene_common.params import from_values
from uniintervene_critic.schema import CRITIC_NODE
from uniintervene_learner.schema import ACTOR_NODE, LEARNER_NODE, REWARD_NODE
from uniintervene_recovery.schema import RECOVERY_LEARNER_NODE, RECOVERY_NODE
from uniintervene_sim.schema import OPERATOR_NODE, POLICY_NODE, SIM_NODE
from uniintervene_supervisor.schema import GRIPPER_IO_NODE, SUPERVISOR_NODE, TELEOP_NODE

SCHEMAS = {
    "sim_node": SIM_NODE,
    "policy_node": POLICY_NODE,
    "operator_node": OPERATOR_NODE,
    "critic_node": CRITIC_NODE,
    "recovery_node": RECOVERY_NODE,
    "recovery_learner_node": RECOVERY_LEARNER_NODE,
    "supervisor_node": SUPERVISOR_NODE,
    "teleop_node": TELEOP_NODE,
    "gripper_io_node": GRIPPER_IO_NODE,
    "actor_node": ACTOR_NODE,
    "learner_node": LEARNER_NODE,
    "reward_node": REWARD_NODE,
}
SPECS = {
    (spec.package, spec.executable): spec
    for graph in ("sim", "real")
    for policy in ("scripted", "learned")
    if (graph, policy) != ("real", "scripted")  # the real cell has no scripted expert
    for spec in load_graph(graph, models="/nonexistent", recordings="/tmp", policy=policy)
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


def test_every_graph_node_has_a_schema():
    assert {executable for _, executable in SPECS} == set(SCHEMAS)


@pytest.mark.parametrize("key", sorted(SPECS), ids=lambda k: k[1])
def test_node_declares_its_schema_and_the_yaml_documents_it(
    key, rclpy_context, tmp_path, monkeypatch
):
    spec, schema = SPECS[key], SCHEMAS[key[1]]
    monkeypatch.chdir(tmp_path)  # the learner opens its data folder where it runs
    node = node_class(*key)()
    try:
        declared = set(node._parameters) - {"use_sim_time", "start_type_description_service"}
        descriptors = dict(
            zip(sorted(declared), node.describe_parameters(sorted(declared)), strict=True)
        )
    finally:
        node.destroy_node()
    assert declared == {p.name for p in schema}
    for param in schema:
        assert descriptors[param.name].description == param.description
        assert descriptors[param.name].read_only == param.read_only, param.name
    (params_file,) = spec.params
    text = params_file.read_text()
    in_yaml = yaml.safe_load(text)[spec.executable]["ros__parameters"]
    from_values(schema, in_yaml)  # unknown names or values out of range raise
    assert set(in_yaml) == declared, f"{params_file.name} does not set every parameter"
    assert set(spec.overrides) <= declared, "graph.yaml overrides an undeclared parameter"
    section = text.split(f"\n{spec.executable}:", 1)[1].split("\n\n", 1)[0]
    for name in declared:
        line = re.search(rf"^\s+{name}:.*$", section, re.MULTILINE)
        assert line and "#" in line.group(0), f"{name} has no comment in {params_file.name}"
