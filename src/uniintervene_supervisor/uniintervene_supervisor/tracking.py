"""Commanded against executed (no ROS): the TCP twist the arm actually made between two
ticks, from the joint states and the UR7e kinematics, and how much of the commanded
twist that is.

Why: with `Float64MultiArray` output, Jazzy MoveIt Servo restarts each cycle from the
measured joints and aims one publish period ahead, which users report moves the arm well
below the commanded twist (moveit2 #3293 with a UR5e and forward_position_controller,
#3421; ur_robot_driver #1334). A learner that stores the commanded twist as the action
then learns a different action scale from the real cell than from the simulator; the
executed twist is what the transitions carry instead.
"""

from collections import deque

import numpy as np

from uniintervene_common.kinematics import tcp_pose


def rotation_vector(rotation: np.ndarray) -> np.ndarray:
    """The axis-angle vector of a rotation matrix (angle up to pi)."""
    cos = np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos)
    axis = np.array(
        [rotation[2, 1] - rotation[1, 2], rotation[0, 2] - rotation[2, 0],
         rotation[1, 0] - rotation[0, 1]]
    )  # fmt: skip
    if angle < 1e-9:
        return axis / 2.0  # small angles: the skew part is the rotation vector
    return axis * angle / (2.0 * np.sin(angle)) if np.sin(angle) > 1e-9 else _half_turn(rotation)


def _half_turn(rotation: np.ndarray) -> np.ndarray:
    axis = np.sqrt(np.clip((np.diag(rotation) + 1.0) / 2.0, 0.0, None))
    k = int(np.argmax(axis))  # signs relative to the largest component
    for i in range(3):
        if i != k:
            axis[i] = np.copysign(axis[i], rotation[k, i])
    return np.pi * axis / np.linalg.norm(axis)


def speed_along(commanded, executed, min_speed: float = 0.01) -> float | None:
    """The executed linear speed along the commanded direction, as a fraction of the
    commanded speed (None when the command stands still or is not finite)."""
    commanded = np.asarray(commanded[:3], float)
    speed = np.linalg.norm(commanded)
    if not np.isfinite(speed) or speed < min_speed:
        return None
    return float(np.asarray(executed[:3], float) @ commanded) / speed**2


class TwistTracker:
    """Feed it the joint angles each tick with the twist commanded for the next one;
    it returns the twist executed since the previous tick and keeps a running ratio of
    executed to commanded speed (along the commanded direction)."""

    def __init__(self, tool_offset: float, tolerance: float = 0.3, window: int = 20,
                 min_speed: float = 0.01):  # fmt: skip
        self.tool_offset, self.tolerance, self.min_speed = tool_offset, tolerance, min_speed
        self.ratios = deque(maxlen=window)
        self.reset()

    def reset(self) -> None:
        """Between episodes: no twist spans a gap."""
        self._pose = self._at = self._commanded = None

    def tick(self, joints, at: float, commanded) -> np.ndarray | None:
        """joints: the newest joint angles, `at`: when they arrived; commanded: the twist
        (6) sent this tick. Returns the executed twist since the last tick (None when no
        new joint state spans it)."""
        executed = None
        if joints is not None:
            pose = tcp_pose(joints, self.tool_offset)
            if self._pose is not None and at > self._at:
                dt = at - self._at
                linear = (pose[:3, 3] - self._pose[:3, 3]) / dt
                angular = rotation_vector(pose[:3, :3] @ self._pose[:3, :3].T) / dt
                executed = np.r_[linear, angular]
                self._compare(self._commanded, executed)
            if self._pose is None or at > self._at:
                self._pose, self._at = pose, at
        self._commanded = None if commanded is None else np.asarray(commanded[:6], float)
        return executed

    def _compare(self, commanded, executed) -> None:
        ratio = None if commanded is None else speed_along(commanded, executed, self.min_speed)
        if ratio is not None:
            self.ratios.append(ratio)

    @property
    def ratio(self) -> float | None:
        """Mean executed / commanded linear speed over the window (None: not moving)."""
        return float(np.mean(self.ratios)) if self.ratios else None

    @property
    def lagging(self) -> bool:
        """The arm makes less than 1 - tolerance of the commanded speed, over at least
        half a window of moving ticks."""
        full = len(self.ratios) >= max(1, self.ratios.maxlen // 2)
        return full and self.ratio < 1.0 - self.tolerance
