"""Message conversions every node shares (no processes)."""

import numpy as np
import pytest

from uniintervene_common import conversions as conv
from uniintervene_common.kinematics import HOME, JOINT_NAMES
from uniintervene_msgs.msg import ActionCommand


def test_image_round_trip_and_bad_images():
    image = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    msg = conv.image_msg(image, conv.time_msg(1.25), "camera")
    assert np.array_equal(conv.image_from_msg(msg), image)
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec) == (1, 250_000_000)
    msg.encoding = "mono16"
    with pytest.raises(ValueError, match="unsupported image encoding 'mono16'"):
        conv.image_from_msg(msg)
    msg.encoding = "rgb8"
    msg.data = msg.data[:-5]
    with pytest.raises(ValueError, match="does not match 64x48"):
        conv.image_from_msg(msg)


def test_joint_states_with_a_missing_or_non_finite_joint_give_none():
    msg = conv.joint_state_msg(HOME, np.zeros(6), [0.04, 0.04], conv.time_msg(0.0))
    assert np.allclose(conv.arm_positions_from_joint_state(msg), HOME)
    assert conv.gripper_closure_from_joint_state(msg, 0.09) == pytest.approx(1 - 0.08 / 0.09)
    msg.position[2] = float("nan")
    assert conv.arm_positions_from_joint_state(msg) is None
    msg.name = [n for n in msg.name if n != JOINT_NAMES[0]]
    msg.position = msg.position[1:]
    assert conv.arm_positions_from_joint_state(msg) is None


def test_action_command_round_trip():
    action = np.array([0.1, -0.2, 0.3, 0.0, 0.5, -0.6, 1.0])
    msg = conv.action_command_msg(action, ActionCommand.HUMAN, conv.time_msg(2.0))
    assert msg.source == ActionCommand.HUMAN and msg.header.frame_id == "base_link"
    assert np.allclose(conv.command_array(msg), action)
