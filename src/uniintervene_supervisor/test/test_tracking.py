"""The executed TCP twist from joint states, against the commanded one (no ROS)."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from uniintervene_common.kinematics import HOME, solve_tcp_ik, tcp_pose
from uniintervene_supervisor.tracking import TwistTracker, rotation_vector

OFFSET = 0.16


def joints_along(velocity, yaw_rate, seconds, period=0.1):
    """Joint angles every period with the TCP moving at `velocity` (m/s, base_link) and
    turning about the vertical at `yaw_rate` (rad/s)."""
    start = tcp_pose(HOME, OFFSET)
    q = HOME
    for k in range(round(seconds / period) + 1):
        target = start.copy()
        target[:3, 3] += np.asarray(velocity) * k * period
        target[:3, :3] = (
            Rotation.from_rotvec([0, 0, yaw_rate * k * period]).as_matrix() @ (start[:3, :3])
        )
        q = solve_tcp_ik(target, q, OFFSET)
        yield k * period, q


@pytest.mark.parametrize("rotvec", [[0.3, -0.2, 0.1], [0, 0, 1e-12], [0, np.pi, 0], [2.0, 1, 0.5]])
def test_rotation_vector_inverts_the_exponential_map(rotvec):
    rotation = Rotation.from_rotvec(rotvec).as_matrix()
    assert np.allclose(Rotation.from_rotvec(rotation_vector(rotation)).as_matrix(), rotation)


def test_an_arm_that_follows_is_measured_at_the_commanded_twist():
    tracker, commanded = TwistTracker(OFFSET), np.array([0.05, -0.02, 0.01, 0, 0, 0.3])
    measured = [tracker.tick(q, t, commanded) for t, q in joints_along(commanded[:3], 0.3, 2.0)]
    assert measured[0] is None  # nothing spans the first tick
    assert np.allclose(np.mean(measured[1:], axis=0), commanded, atol=1e-3)
    assert tracker.ratio == pytest.approx(1.0, abs=0.01) and not tracker.lagging


def test_an_arm_at_half_the_commanded_speed_is_lagging():
    tracker = TwistTracker(OFFSET, tolerance=0.3)
    commanded = np.array([0.0, 0.06, 0.0, 0, 0, 0])
    for t, q in joints_along(commanded[:3] / 2, 0.0, 1.0):
        tracker.tick(q, t, commanded)
    assert tracker.ratio == pytest.approx(0.5, abs=0.01) and tracker.lagging


def test_standing_still_or_a_stale_joint_state_measures_nothing():
    tracker = TwistTracker(OFFSET)
    for t in np.arange(0, 2, 0.1):  # commanded zero: nothing to compare
        tracker.tick(HOME, t, np.zeros(6))
    assert tracker.ratio is None and not tracker.lagging
    assert tracker.tick(HOME, 1.9, np.zeros(6)) is None  # the same joint state again
    tracker.reset()
    assert tracker.tick(HOME, 5.0, np.zeros(6)) is None  # a new episode spans no gap
