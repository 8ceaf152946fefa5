"""The safety filter on bad inputs."""

import numpy as np
import pytest

from uniintervene_supervisor.safety import SafetyConfig, SafetyFilter

INSIDE = np.array([0.5, 0.1, 0.3])


def fresh(filt, command, tcp=INSIDE):
    return filt.apply(command, command_age=0.0, joint_state_age=0.0, tcp_position=tcp)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_commands_hold(bad):
    filt = SafetyFilter()
    fresh(filt, [0.05, 0, 0, 0, 0, 0, 1.0])
    result = fresh(filt, [bad, 0, 0, 0, 0, 0, 0.0])
    assert result.held and result.violations == ["non_finite_command"]
    assert result.command[6] == 1.0  # the gripper keeps its last safe value (no drop)


def test_huge_values_are_clamped_in_speed_and_acceleration():
    filt = SafetyFilter(SafetyConfig(max_linear_speed=0.25, max_linear_acceleration=2.0))
    outputs = [fresh(filt, [1e6, 1e6, 0, 0, 0, 1e9, 5.0]).command for _ in range(5)]
    speeds = [np.linalg.norm(o[:3]) for o in outputs]
    assert speeds[0] == pytest.approx(0.2)  # 2 m/s^2 over one 0.1 s tick
    assert speeds[-1] == pytest.approx(0.25)  # then the speed limit
    assert all(abs(o[5]) <= 1.0 + 1e-9 for o in outputs) and outputs[-1][6] == 1.0
    assert np.allclose(outputs[-1][0], outputs[-1][1])  # direction kept


def test_workspace_box_blocks_outward_motion_only():
    filt = SafetyFilter(SafetyConfig(max_linear_acceleration=100.0))
    at_floor = np.array([0.5, 0.1, 0.0])
    down = fresh(filt, [0.0, 0.0, -0.1, 0, 0, 0, 0], tcp=at_floor)
    assert down.held and "workspace_boundary" in down.violations
    sideways = fresh(filt, [0.1, 0.0, -0.1, 0, 0, 0, 0], tcp=at_floor).command
    assert sideways[0] == pytest.approx(0.1) and sideways[2] == 0.0
    outside = np.array([1.0, 0.1, 0.3])
    back_in = fresh(filt, [-0.1, 0, 0, 0, 0, 0, 0], tcp=outside).command
    assert back_in[0] == pytest.approx(-0.1)


def test_hold_before_any_command_leaves_the_gripper_alone():
    filt = SafetyFilter()
    assert np.isnan(filt.apply(None, 0.0, 0.0, INSIDE).command[6])
    fresh(filt, [0, 0, 0, 0, 0, 0, 1.0])
    filt.reset()
    assert filt.hold("x").command[6] == 1.0


def test_stale_or_missing_inputs_hold():
    filt = SafetyFilter()
    assert filt.apply([0.1, 0, 0, 0, 0, 0, 0], 0.5, 0.0, INSIDE).violations == ["stale_command"]
    assert filt.apply([0.1, 0, 0, 0, 0, 0, 0], 0.0, 0.5, INSIDE).violations == [
        "stale_joint_states"
    ]
    assert filt.apply(None, 0.0, 0.0, INSIDE).violations == ["missing_command"]
    assert filt.apply([0.1, 0, 0], 0.0, 0.0, INSIDE).violations == ["missing_command"]
    assert filt.apply([0.1, 0, 0, 0, 0, 0, 0], float("nan"), 0.0, INSIDE).held
