"""fold_towel: the flex cloth's seeded layout, the pinch, its failures and its fault."""

import numpy as np
import pytest

from uniintervene_sim.base_policy import BasePolicy, BasePolicyConfig
from uniintervene_sim.cell import SimCell
from uniintervene_sim.tasks.fold_towel import SPACING, THICKNESS


@pytest.fixture(scope="module")
def cell():
    return SimCell("fold_towel", render=False)


def points(cell):
    return cell.task._points(cell.scene())


def twist(linear, gripper):
    return np.array([*linear, 0.0, 0.0, 0.0, gripper])


def pinch_the_edge(cell):
    """Run the expert until it has pinched the free edge."""
    for _ in range(150):
        cell.step(cell.task.expert(cell.scene()))
        if cell.pinch.pinned:
            return
    raise AssertionError("the expert never pinched the towel")


def test_reset_lays_the_towel_flat_at_a_seeded_pose(cell):
    cell.reset("fold_towel", 4)
    flat = points(cell)
    assert np.all(np.abs(flat[:, 2] - THICKNESS) < 0.002)  # resting on the table
    # neighbours along the long axis keep the grid spacing (the cloth is not stretched)
    along = np.linalg.norm(flat[3:, :2] - flat[:-3, :2], axis=1)
    assert np.allclose(along, SPACING, atol=0.002)
    line = cell.scene().objects["fold_line"].position
    centre = flat.mean(axis=0)
    # the fold line crosses the towel within 2 cm of its middle
    assert np.linalg.norm(line[:2] - centre[:2]) < 0.021
    other = cell.reset("fold_towel", 5)
    assert not np.allclose(points(cell), flat, atol=0.01) and other["joint_pos"].shape == (6,)
    cell.reset("fold_towel", 4)
    assert np.allclose(points(cell), flat)


def test_a_twist_moves_the_pinched_towel_and_opening_lets_it_go(cell):
    cell.reset("fold_towel", 2)
    pinch_the_edge(cell)
    pinned = list(cell.pinch.pinned)
    assert 3 <= len(pinned) <= 4 and cell.task.grip in pinned
    before, tcp_before = points(cell), cell.scene().tcp.position
    for _ in range(8):  # 0.8 s straight up at 6 cm/s
        cell.step(twist([0.0, 0.0, 0.06], 1.0))
    moved = points(cell) - before
    tcp_moved = cell.scene().tcp.position - tcp_before
    assert np.linalg.norm(tcp_moved) > 0.04
    for vertex in pinned:  # the pinned vertices ride with the TCP
        assert np.allclose(moved[vertex], tcp_moved, atol=0.01)
    far = np.argmax(np.linalg.norm(before[:, :2] - before[cell.task.grip, :2], axis=1))
    assert np.linalg.norm(moved[far]) < 0.01  # the far end stays on the table
    held = points(cell)[cell.task.grip].copy()
    for _ in range(10):  # open, then go on up: the edge no longer follows
        cell.step(twist([0.0, 0.0, 0.05], 0.0))
    assert not cell.pinch.pinned
    dropped = points(cell)[cell.task.grip]
    # it falls (with inextensible edges it may rest tented on the rows beside it)
    assert dropped[2] < held[2] - 0.01
    assert cell.scene().tcp.position[2] - dropped[2] > 0.08


def test_closing_away_from_the_towel_pinches_nothing(cell):
    cell.reset("fold_towel", 0)
    for _ in range(3):
        cell.step(twist([0.0, 0.0, 0.05], 1.0))  # closes high above the cloth
    assert not cell.pinch.pinned
    # lowering a gripper that is already closed onto the cloth does not pinch it either
    cell.reset("fold_towel", 0)
    cell.step(twist([0.0, 0.0, 0.0], 1.0))
    goal = points(cell)[cell.task.grip] + [0.0, 0.0, 0.02]
    for _ in range(40):
        cell.step(twist(np.clip(3 * (goal - cell.scene().tcp.position), -0.1, 0.1), 1.0))
    assert not cell.pinch.pinned


def test_pulling_the_pinched_edge_away_drags_the_towel(cell):
    cell.reset("fold_towel", 1)
    pinch_the_edge(cell)
    task = cell.task
    outward = task.side * np.r_[task.axis, 0.0]  # away from the fold line, along the table
    warned = False
    for _ in range(60):
        cell.step(twist(0.1 * outward, 1.0))
        status = cell.status()
        warned |= status.warning
        if status.failure:
            break
    assert status.failure and status.failure_reason == "towel_dragged"
    assert warned


def test_a_slipped_pinch_leaves_the_towel_unfolded(cell):
    cell.reset("fold_towel", 3)
    pinch_the_edge(cell)
    for _ in range(5):
        cell.step(cell.task.expert(cell.scene()))  # lift the edge
    policy = BasePolicy(BasePolicyConfig(failure_rate=1.0, onset_range=(0.0, 0.0),
                                         refault_probability=0.0, modes=("slip",)))  # fmt: skip
    policy.reset(0, time=cell.time)
    for _ in range(30):
        cell.step(policy.act(cell.scene(), cell.task))
    assert policy.fault == "slip" and not cell.pinch.pinned
    status = cell.status()
    assert not status.success and status.progress < 0.5
