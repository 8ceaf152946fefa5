"""UR7e kinematics and the differential-IK controller."""

import mujoco
import numpy as np
import pytest

from uniintervene_common.kinematics import (
    HOME,
    JOINT_LOWER,
    JOINT_SPEED_LIMIT,
    JOINT_UPPER,
    forward_kinematics,
    geometric_jacobian,
    solve_ik,
    tcp_pose,
)
from uniintervene_sim.cell import SimCell
from uniintervene_sim.ik import DifferentialIK
from uniintervene_sim.model import TCP_OFFSET, build_cell_xml


def test_zero_pose_matches_the_published_ur5e_ur7e_flange_position():
    # Universal Robots' DH table gives, at all joints zero: x = -(a2 + a3), y = -(d4 + d6),
    # z = d1 - d5.
    pose = forward_kinematics(np.zeros(6))
    assert pose[:3, 3] == pytest.approx([-0.8172, -0.2329, 0.0628], abs=1e-4)


def test_mujoco_model_follows_the_dh_model():
    model = mujoco.MjModel.from_xml_string(build_cell_xml())
    data = mujoco.MjData(model)
    rng = np.random.default_rng(0)
    for _ in range(20):
        q = rng.uniform(-np.pi, np.pi, 6)
        data.qpos[:6] = q
        mujoco.mj_forward(model, data)
        expected = tcp_pose(q, TCP_OFFSET)  # the world is base_link
        assert data.site("tcp").xpos == pytest.approx(expected[:3, 3], abs=1e-9)
        assert data.site("tcp").xmat.reshape(3, 3) == pytest.approx(expected[:3, :3], abs=1e-9)


def test_jacobian_matches_finite_differences():
    q = HOME + np.array([0.1, -0.2, 0.3, 0.1, 0.2, -0.3])
    jacobian = geometric_jacobian(q, TCP_OFFSET)
    eps = 1e-6
    for i in range(6):
        dq = np.zeros(6)
        dq[i] = eps
        delta = (
            forward_kinematics(q + dq, TCP_OFFSET)[:3, 3] - forward_kinematics(q, TCP_OFFSET)[:3, 3]
        )
        assert jacobian[:3, i] == pytest.approx(delta / eps, abs=1e-5)


def test_ik_round_trip_and_unreachable_pose():
    target = forward_kinematics(HOME + 0.2, TCP_OFFSET)
    q = solve_ik(target, HOME, TCP_OFFSET)
    assert forward_kinematics(q, TCP_OFFSET) == pytest.approx(target, abs=1e-4)
    far = target.copy()
    far[:3, 3] = [2.0, 0.0, 0.5]  # beyond the 850 mm reach
    with pytest.raises(ValueError, match="did not converge"):
        solve_ik(far, HOME, TCP_OFFSET)


@pytest.mark.parametrize("direction", [[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 0, 0], [0, -1, -1]])
def test_commanded_twist_moves_the_tcp_in_that_direction(direction):
    cell = SimCell("pick_eggplant", render=False)
    cell.reset(seed=0)
    direction = np.array(direction, float) / np.linalg.norm(direction)
    start = cell.tcp_pose().position
    for _ in range(10):  # 1 s at 5 cm/s
        cell.step(np.concatenate([0.05 * direction, np.zeros(3), [0.0]]))
    moved = cell.tcp_pose().position - start
    assert np.dot(moved, direction) == pytest.approx(0.05, abs=0.01)
    assert np.linalg.norm(moved - np.dot(moved, direction) * direction) < 0.005


def test_non_finite_action_is_rejected_without_moving():
    cell = SimCell("pick_eggplant", render=False)
    cell.reset(seed=0)
    before = cell.joint_positions
    with pytest.raises(ValueError, match="finite"):
        cell.step([np.nan, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="7 finite"):
        cell.step([0.0, 0.0])
    assert np.array_equal(cell.joint_positions, before)


def test_ik_is_damped_at_a_wrist_singularity():
    ik = DifferentialIK()
    q = HOME.copy()
    q[4] = 0.0  # wrist 2 at zero: wrists 1 and 3 align (a wrist singularity)
    jacobian = geometric_jacobian(q, TCP_OFFSET)
    assert ik.manipulability(jacobian) < 1e-6
    qdot = ik.joint_velocity(jacobian, np.array([0.0, 0.1, 0.0, 0.0, 0.0, 0.0]), q)
    assert np.all(np.isfinite(qdot))
    assert np.all(np.abs(qdot) <= JOINT_SPEED_LIMIT * ik.speed_fraction + 1e-9)


def test_ik_never_drives_a_joint_past_its_limit():
    ik = DifferentialIK()
    q = HOME.copy()
    q[2] = JOINT_UPPER[2] - 0.01  # elbow at its limit
    jacobian = geometric_jacobian(q, TCP_OFFSET)
    for twist in np.random.default_rng(1).normal(0, 0.1, (50, 6)):
        qdot = ik.joint_velocity(jacobian, twist, q)
        assert qdot[2] <= 0.0
    q = HOME.copy()
    q[0] = JOINT_LOWER[0] + 0.01
    for twist in np.random.default_rng(2).normal(0, 0.1, (50, 6)):
        assert ik.joint_velocity(geometric_jacobian(q, TCP_OFFSET), twist, q)[0] >= 0.0
