"""The graph file: every node, executable and parameter file it names exists, and every
parameter file section belongs to a node of the graph."""

import os

import pytest
import yaml

from uniintervene_bringup.graph import load_graph, ros_arguments


@pytest.mark.parametrize("graph", ["sim", "real"])
def test_every_referenced_executable_and_parameter_file_exists(graph):
    specs = load_graph(graph, models="/m", recordings="/r", autonomous=False)
    assert specs
    for spec in specs:
        assert os.access(spec.path, os.X_OK), spec.path
        for params in spec.params:
            sections = yaml.safe_load(params.read_text())
            assert spec.executable in sections, f"{params} has no {spec.executable} section"
            assert "ros__parameters" in sections[spec.executable]


def test_overrides_are_filled_in_and_rendered_as_ros_arguments():
    supervisor = next(
        s
        for s in load_graph("real", models="/m", recordings="/r", autonomous=False)
        if s.executable == "supervisor_node"
    )
    assert supervisor.overrides == {
        "recording_dir": "/r",
        "autonomous_intervention": False,
        "reset_service": "",
        "servo_switch_to_twist": True,
        "servo_twist_at_flange": True,
        "watch_command_controller": True,
        "watch_servo_status": True,
        "require_robot_program": True,
    }
    arguments = ros_arguments(supervisor)
    assert "autonomous_intervention:=false" in arguments and "reset_service:=''" in arguments
    critic = next(s for s in load_graph("sim", models="/m") if s.executable == "critic_node")
    assert critic.overrides["model_path"] == "/m/critic"
    recovery = {
        memory: next(s for s in load_graph("real", "/m", memory=memory) if "recovery" in s.package)
        for memory in ("", "/data/memory.safetensors")
    }
    assert recovery[""].overrides["memory_path"] == "/m/recovery/memory.safetensors"
    assert (
        recovery["/data/memory.safetensors"].overrides["memory_path"] == "/data/memory.safetensors"
    )


def test_unknown_graph_is_a_clear_error():
    with pytest.raises(ValueError, match="no graph 'moon'"):
        load_graph("moon")


def test_a_namespace_moves_the_whole_cell_and_the_real_cell_remaps_to_the_drivers():
    sim = load_graph("sim", namespace="cell_2")
    assert {s.namespace for s in sim} == {"cell_2"} and all(not s.remappings for s in sim)
    assert ros_arguments(sim[0])[:2] == ["-r", "__ns:=/cell_2"]
    real = load_graph("real", namespace="/cell_2")
    supervisor = next(s for s in real if s.executable == "supervisor_node")
    arguments = ros_arguments(supervisor)
    assert "joint_states:=/joint_states" in arguments
    assert "servo_node/delta_twist_cmds:=/servo_node/delta_twist_cmds" in arguments
    with pytest.raises(ValueError, match="letters, digits and _ only"):
        load_graph("sim", namespace="cell 2")


def test_every_remapped_name_is_one_our_nodes_use():
    from uniintervene_common import topics

    ours = {v for k, v in vars(topics).items() if k.isupper() and isinstance(v, str)}
    ours |= {"spacenav/twist", "spacenav/joy"}  # teleop_node's device topics
    for spec in load_graph("real"):
        assert set(spec.remappings) <= ours, set(spec.remappings) - ours


def test_mock_hardware_stops_the_supervisor_waiting_for_a_robot_program():
    # ros2_control's mock hardware never publishes robot_program_running
    # (ur_robot_driver 3.8: the gpio interfaces have no initial value, and the io and
    # status controller publishes on change only)
    for mock in (False, True):
        supervisor = next(
            s for s in load_graph("real", mock_hardware=mock) if s.executable == "supervisor_node"
        )
        assert supervisor.overrides["require_robot_program"] is (not mock)
        (gripper,) = [
            s for s in load_graph("real", mock_hardware=mock) if s.executable == "gripper_io_node"
        ]
        assert gripper.overrides["mock_hardware"] is mock  # the mock refuses set_io


def test_the_learner_observes_the_latent_of_the_critic_it_is_given(tmp_path, tiny_model_dir):
    """A learner told 64 numbers of latent beside a 16-d critic refuses every transition."""
    (learner,) = [
        s
        for s in load_graph("sim", models=tiny_model_dir, policy="learned")
        if s.executable == "learner_node"
    ]
    assert learner.overrides["latent_dim"] == 16
    (fallback,) = [
        s
        for s in load_graph("sim", models=tmp_path / "none", policy="learned")
        if s.executable == "learner_node"
    ]
    assert fallback.overrides["latent_dim"] == 64  # learner.yaml's


def test_the_domain_bridge_of_a_real_cell_carries_what_a_shared_learner_needs():
    """Several real cells run on one ROS_DOMAIN_ID each (ur7e.launch.py refuses a
    namespace); config/domain_bridge_cell.yaml bridges a cell's transitions to the
    learner's domain and the weights back, with the topics and types of the contract."""
    import pathlib

    import yaml

    from uniintervene_common import topics
    from uniintervene_testing.interfaces import import_interface

    path = pathlib.Path(__file__).resolve().parents[1] / "config" / "domain_bridge_cell.yaml"
    bridge = yaml.safe_load(path.read_text())
    assert bridge["from_domain"] != bridge["to_domain"]
    bridged = bridge["topics"]
    assert set(bridged) == {topics.TRANSITIONS, topics.POLICY_WEIGHTS}
    for spec in bridged.values():
        import_interface(spec["type"])  # a type that exists
    assert not bridged[topics.TRANSITIONS].get("reversed", False)  # cell -> learner
    weights = bridged[topics.POLICY_WEIGHTS]
    assert weights["reversed"] and weights["qos"]["durability"] == "transient_local"
