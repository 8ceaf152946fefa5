"""The documented YAML holds every supervisor parameter, with the code's defaults."""

import pathlib

import yaml

from uniintervene_supervisor.nodes.params import PARAMETERS

CONFIG = pathlib.Path(__file__).resolve().parents[1] / "config" / "supervisor.yaml"


def test_yaml_matches_the_declared_parameters():
    declared = yaml.safe_load(CONFIG.read_text())["supervisor_node"]["ros__parameters"]
    assert set(declared) == set(PARAMETERS)
    for name, (default, *_) in PARAMETERS.items():
        assert declared[name] == default, name
