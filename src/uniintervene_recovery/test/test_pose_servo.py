"""The pose servo drives the TCP to the pose a retrieved target's correction left the arm
in, within the expert's speed limits, and takes the target's gripper state only there."""

import numpy as np

from uniintervene_common.kinematics import BASE_IN_BASE_LINK, geometric_jacobian, tcp_pose
from uniintervene_recovery.controller import RecoveryConfig, start_recovery
from uniintervene_recovery.memory import InterventionMemory, Segment
from uniintervene_recovery.pose_servo import PoseServoConfig, PoseServoPolicy

READY = np.array([0.0, -1.7, 1.9, -1.77, -1.57, 0.0])  # tool down over the table
TOOL = 0.16


def move(q, twist, dt=0.1):
    """The arm after one tick of a TCP twist (base_link, as every command) through the
    Jacobian (base frame: base_link turned half round z)."""
    turn = BASE_IN_BASE_LINK[:3, :3]
    twist_in_base = np.r_[turn @ twist[:3], turn @ twist[3:]]
    return q + np.linalg.pinv(geometric_jacobian(q, TOOL)) @ twist_in_base * dt


def test_the_servo_reaches_the_target_pose_within_the_speed_limits():
    target_q = READY + np.array([0.25, 0.1, -0.15, 0.05, 0.0, 0.3])
    goal = np.r_[target_q, 1.0]  # the correction left the gripper closed
    policy, q = PoseServoPolicy(PoseServoConfig(tool_offset=TOOL)), READY.copy()
    start_gap = np.linalg.norm(tcp_pose(q, TOOL)[:3, 3] - tcp_pose(target_q, TOOL)[:3, 3])
    closures = []
    for _ in range(60):
        action = policy.act(None, goal, np.r_[q, 0.0])
        assert np.linalg.norm(action[:3]) <= 0.15 + 1e-6
        assert np.all(np.abs(action[3:6]) <= 1.0 + 1e-6)
        closures.append(action[6])
        q = move(q, action[:6])
    gap = np.linalg.norm(tcp_pose(q, TOOL)[:3, 3] - tcp_pose(target_q, TOOL)[:3, 3])
    assert start_gap > 0.1 and gap < 0.005
    rotation = tcp_pose(q, TOOL)[:3, :3].T @ tcp_pose(target_q, TOOL)[:3, :3]
    assert np.arccos(np.clip((np.trace(rotation) - 1) / 2, -1, 1)) < 0.02
    assert closures[0] == 0.0 and closures[-1] == 1.0  # closed only once there


def memory_with(segment):
    memory = InterventionMemory(latent_dim=4)
    memory.add(np.ones(4), 0.9, "pick_eggplant", "ep0", 1.0, segment)
    return memory


def test_a_retrieved_target_carries_where_its_correction_left_the_arm():
    rows = np.stack([np.r_[READY + 0.01 * i, i % 2] for i in range(3)]).astype(np.float32)
    segment = Segment(np.zeros((3, 4), np.float32), rows, np.zeros((3, 7), np.float32))
    recovery, why = start_recovery(memory_with(segment), PoseServoPolicy(), RecoveryConfig(),
                                   np.zeros(4), 0.2, "pick_eggplant")  # fmt: skip
    assert why == "" and np.array_equal(recovery.target.proprio, rows[-1])
    tick = recovery.step(np.zeros(4), 0.2, np.r_[READY, 0.0])
    assert tick.outcome == "running" and np.linalg.norm(tick.action[:3]) > 0.01


def test_a_target_without_its_correction_ends_the_servo_at_once():
    recovery, _ = start_recovery(memory_with(None), PoseServoPolicy(), RecoveryConfig(),
                                 np.zeros(4), 0.2, "pick_eggplant")  # fmt: skip
    assert recovery.target.proprio is None
    tick = recovery.step(np.zeros(4), 0.2, np.r_[READY, 0.0])
    assert tick.done and not tick.success and tick.outcome == "no_pose"
