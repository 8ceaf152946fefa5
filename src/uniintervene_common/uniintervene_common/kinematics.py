"""UR7e kinematics from the published Denavit-Hartenberg parameters.

The UR7e shares the UR5e's kinematics (Universal Robots' DH table for the e-series):
standard DH, frame i = frame i-1 * Rz(theta_i) Tz(d_i) Tx(a_i) Rx(alpha_i).

Frames (the one rule, for the real and the simulated cell alike): the DH model is
expressed in the controller's `base` frame; every command, the workspace box and the TCP
are expressed in `base_link`, which is `base` turned half a revolution about z
(Universal_Robots_ROS2_Description, urdf/ur_macro.xacro: joint base_link-base_fixed_joint,
rpy="0 0 ${pi}"). MoveIt Servo executes twists in base_link (the SRDF chain's base), and
the simulated cell's world frame is base_link with the arm mounted the same way. The TCP
is `tool_offset` (0.16 m) beyond the flange along the tool's z axis.
"""

import numpy as np

D = np.array([0.1625, 0.0, 0.0, 0.1333, 0.0997, 0.0996])
A = np.array([0.0, -0.425, -0.3922, 0.0, 0.0, 0.0])
ALPHA = np.array([np.pi / 2, 0.0, 0.0, np.pi / 2, -np.pi / 2, 0.0])

JOINT_NAMES = [
    "shoulder_pan_joint",
    "shoulder_lift_joint",
    "elbow_joint",
    "wrist_1_joint",
    "wrist_2_joint",
    "wrist_3_joint",
]
# The UR driver's limits for the e-series: +-2 pi, the elbow +-pi (self-collision).
JOINT_LOWER = np.array([-2 * np.pi, -2 * np.pi, -np.pi, -2 * np.pi, -2 * np.pi, -2 * np.pi])
JOINT_UPPER = -JOINT_LOWER
# Maximum joint speeds of the UR5e/UR7e: 180 deg/s on every joint.
JOINT_SPEED_LIMIT = np.full(6, np.pi)

# Tool pointing down over the table, elbow up: the cell's home configuration.
HOME = np.array([0.0, -1.7, 1.9, -1.77, -np.pi / 2, np.pi / 2])
# The pose of `base` in `base_link` (its own inverse): x and y change sign.
BASE_IN_BASE_LINK = np.diag([-1.0, -1.0, 1.0, 1.0])


def dh_transform(theta: float, d: float, a: float, alpha: float) -> np.ndarray:
    ct, st, ca, sa = np.cos(theta), np.sin(theta), np.cos(alpha), np.sin(alpha)
    return np.array(
        [
            [ct, -st * ca, st * sa, a * ct],
            [st, ct * ca, -ct * sa, a * st],
            [0.0, sa, ca, d],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )


def forward_kinematics(q, tool_offset: float = 0.0) -> np.ndarray:
    """4x4 pose of the flange (or of a TCP tool_offset metres along its z) in the base frame."""
    pose = np.eye(4)
    for i in range(6):
        pose = pose @ dh_transform(q[i], D[i], A[i], ALPHA[i])
    if tool_offset:
        pose = pose @ np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, tool_offset], [0, 0, 0, 1.0]])
    return pose


def geometric_jacobian(q, tool_offset: float = 0.0) -> np.ndarray:
    """6x6 Jacobian (rows: linear m/s, angular rad/s, base frame) of the flange or TCP."""
    frames = [np.eye(4)]
    for i in range(6):
        frames.append(frames[-1] @ dh_transform(q[i], D[i], A[i], ALPHA[i]))
    tip = forward_kinematics(q, tool_offset)[:3, 3]
    jacobian = np.zeros((6, 6))
    for i in range(6):
        axis = frames[i][:3, 2]  # joint i rotates about z of DH frame i-1
        jacobian[:3, i] = np.cross(axis, tip - frames[i][:3, 3])
        jacobian[3:, i] = axis
    return jacobian


def rotation_error(current: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Axis-angle vector (base frame) rotating `current` onto `target` (3x3 matrices)."""
    delta = target @ current.T
    angle = np.arccos(np.clip((np.trace(delta) - 1.0) / 2.0, -1.0, 1.0))
    if angle < 1e-9:
        return np.zeros(3)
    axis = np.array(
        [delta[2, 1] - delta[1, 2], delta[0, 2] - delta[2, 0], delta[1, 0] - delta[0, 1]]
    )
    norm = np.linalg.norm(axis)
    if norm < 1e-9:  # angle ~ pi: pick the dominant column of delta + I
        column = np.argmax(np.diag(delta))
        axis = (delta + np.eye(3))[:, column]
        norm = np.linalg.norm(axis)
    return axis / norm * angle


def solve_ik(
    target: np.ndarray,
    q_seed,
    tool_offset: float = 0.0,
    iterations: int = 200,
    tolerance: float = 1e-5,
) -> np.ndarray:
    """Joint angles reaching a 4x4 target pose (damped least squares from q_seed).

    Raises ValueError when the pose is not reached (out of reach or past joint limits).
    """
    q = np.array(q_seed, dtype=float)
    for _ in range(iterations):
        pose = forward_kinematics(q, tool_offset)
        error = np.concatenate(
            [target[:3, 3] - pose[:3, 3], rotation_error(pose[:3, :3], target[:3, :3])]
        )
        if np.linalg.norm(error) < tolerance:
            return q
        jacobian = geometric_jacobian(q, tool_offset)
        step = jacobian.T @ np.linalg.solve(jacobian @ jacobian.T + 1e-4 * np.eye(6), error)
        step *= min(1.0, 0.2 / np.max(np.abs(step)))  # small steps: stay on this IK branch
        q = np.clip(q + step, JOINT_LOWER, JOINT_UPPER)
    raise ValueError(
        f"IK did not converge to {target[:3, 3]} (residual {np.linalg.norm(error):.2e})"
    )


def tcp_pose(q, tool_offset: float) -> np.ndarray:
    """4x4 pose of the TCP in base_link (the frame of every command and of the box)."""
    return BASE_IN_BASE_LINK @ forward_kinematics(np.asarray(q, float), tool_offset)


def solve_tcp_ik(target_in_base_link: np.ndarray, q_seed, tool_offset: float) -> np.ndarray:
    """Joint angles putting the TCP at a base_link pose (see solve_ik)."""
    return solve_ik(BASE_IN_BASE_LINK @ target_in_base_link, q_seed, tool_offset)


def twist_at_flange(twist, q, tool_offset: float) -> np.ndarray:
    """A TCP twist (base_link) re-expressed at the flange: the same rigid motion, for a
    controller that moves the flange (MoveIt Servo moves tool0, at the flange).
    v_flange = v_tcp + w x (p_flange - p_tcp); w is unchanged."""
    twist = np.asarray(twist, float)
    tool_z = tcp_pose(q, tool_offset)[:3, 2]
    velocity = twist[:3] + np.cross(twist[3:6], -tool_offset * tool_z)
    return np.r_[velocity, twist[3:6]]
