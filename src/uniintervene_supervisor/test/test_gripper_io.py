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
