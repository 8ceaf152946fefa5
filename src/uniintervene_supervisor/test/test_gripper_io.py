"""The tool-I/O gripper: hysteresis, pins, retries until the driver confirms."""

import math

import pytest

from uniintervene_supervisor.gripper_io import ToolGripper, ToolGripperConfig


def test_hysteresis_and_single_acting_pins():
    gripper = ToolGripper()
    assert gripper.due(0.0) == []  # no command yet: the output is left alone
    gripper.command(0.9)
    assert gripper.due(0.0) == [(16, 1)]
    gripper.answered(True, success=True)
    gripper.command(0.55)  # between the thresholds: stays closed
    assert gripper.due(1.0) == []
    gripper.command(0.1)
    assert gripper.due(2.0) == [(16, 0)]


def test_double_acting_valve_sets_both_outputs():
    gripper = ToolGripper(ToolGripperConfig(close_pin=16, open_pin=17))
    gripper.command(0.0)
    assert gripper.due(0.0) == [(16, 0), (17, 1)]


def test_unconfirmed_requests_are_sent_again_after_the_retry_period():
    gripper = ToolGripper(ToolGripperConfig(retry_period=0.5))
    gripper.command(1.0)
    assert gripper.due(0.0) == [(16, 1)]
    assert gripper.due(0.2) == []  # in flight
    gripper.answered(True, success=False)
    assert gripper.due(0.6) == [(16, 1)] and gripper.failures == 1
    gripper.answered(True, success=True)
    assert gripper.due(5.0) == []


def test_bad_commands_and_settings_are_refused():
    gripper = ToolGripper()
    for value in (math.nan, -0.5, 1.5):
        gripper.command(value)
    assert gripper.wanted is None
    with pytest.raises(ValueError, match="open_below < close_above"):
        ToolGripperConfig(close_above=0.3, open_below=0.4)
    with pytest.raises(ValueError, match="not a UR digital output"):
        ToolGripperConfig(close_pin=18)


@pytest.mark.ros
@pytest.mark.parametrize("mock", [True, False])
def test_the_node_on_mock_hardware_sends_nothing_and_says_so(ros, start_node, mock):
    """ur_robot_driver's mock hardware refuses set_io: with use_mock_hardware the node
    reports OK without trying; against a real driver that is not there, a WARN."""
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

    diagnostics = ros.probe(DiagnosticArray, "/diagnostics")
    start_node("uniintervene_supervisor", "gripper_io_node", params={"mock_hardware": mock})

    def status():
        found = [
            s
            for msg in diagnostics.messages
            for s in msg.status
            if s.name == "uniintervene_supervisor: gripper_io_node"
        ]
        return found[-1] if found else None

    ros.spin_until(lambda: status() is not None and status().message != "", 15.0, "diagnostics")
    ros.spin_for(1.5)  # past the first send tick
    if mock:
        assert status().level == DiagnosticStatus.OK and "mock hardware" in status().message
    else:
        assert status().level == DiagnosticStatus.WARN
