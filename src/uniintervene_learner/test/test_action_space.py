"""The policy's action space: axes, scales and the gripper, to and from commands."""

from dataclasses import replace

import numpy as np
import pytest

from uniintervene_learner.action_space import ActionSpace, ActionSpaceConfig


def test_the_gripper_is_fully_open_or_closed_by_the_actions_sign():
    config = ActionSpaceConfig(axes=["x", "yaw"], linear_scale=0.1, angular_scale=0.5)
    space = ActionSpace(replace(config, gripper_binary=True))
    closed = space.to_command([0.5, -1.0, 0.05])
    np.testing.assert_allclose(closed, [0.05, 0, 0, 0, 0, -0.5, 1.0])
    assert space.to_command([0, 0, -0.05])[6] == 0.0
    # an executed command maps back onto the same axes (a closed gripper: +1)
    np.testing.assert_allclose(space.from_command(closed), [0.5, -1.0, 1.0])


def test_a_continuous_gripper_follows_the_action_and_no_gripper_keeps_it_as_it_is():
    continuous = ActionSpace(ActionSpaceConfig())  # the default
    assert continuous.to_command([0, 0, 0, 0, 0.0])[6] == pytest.approx(0.5)
    held = ActionSpace(ActionSpaceConfig(axes=["z"], gripper=False))
    assert held.dim == 1 and held.to_command([2.0], gripper_now=0.7)[6] == pytest.approx(0.7)
    assert held.to_command([2.0])[2] == pytest.approx(0.1)  # clipped to 1, then scaled


def test_unknown_axes_are_refused():
    with pytest.raises(ValueError, match="axes"):
        ActionSpaceConfig(axes=["x", "w"])
