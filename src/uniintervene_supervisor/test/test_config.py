"""The documented YAML holds every supervisor and teleop parameter, with the schema's
defaults (the graph's numbers are the code's numbers)."""

import pathlib

import yaml

from uniintervene_supervisor.schema import GRIPPER_IO_NODE, SUPERVISOR_NODE, TELEOP_NODE

CONFIG = pathlib.Path(__file__).resolve().parents[1] / "config" / "supervisor.yaml"


def test_yaml_matches_the_schemas_defaults():
    sections = yaml.safe_load(CONFIG.read_text())
    for node, schema in (
        ("supervisor_node", SUPERVISOR_NODE),
        ("teleop_node", TELEOP_NODE),
        ("gripper_io_node", GRIPPER_IO_NODE),
    ):
        declared = sections[node]["ros__parameters"]
        assert set(declared) == {p.name for p in schema}
        for param in schema:
            assert declared[param.name] == param.default, (node, param.name)
