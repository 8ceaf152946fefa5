"""Differential IK: an end-effector twist becomes joint velocities, safely.

Damped least squares with damping that grows as the arm nears a singularity
(manipulability below a threshold), joints that would cross their limits frozen, and the
result scaled (direction kept) so no joint exceeds its speed limit.
"""

from dataclasses import dataclass

import numpy as np

from uniintervene_common.kinematics import JOINT_LOWER, JOINT_SPEED_LIMIT, JOINT_UPPER


@dataclass
class DifferentialIK:
    base_damping: float = 1e-3
    singular_damping: float = 0.05
    manipulability_threshold: float = 0.01
    joint_limit_margin: float = 0.05  # rad before a limit where motion toward it stops
    speed_fraction: float = 0.5  # of the UR joint speed limit

    def manipulability(self, jacobian: np.ndarray) -> float:
        return float(np.sqrt(max(np.linalg.det(jacobian @ jacobian.T), 0.0)))

    def joint_velocity(self, jacobian: np.ndarray, twist: np.ndarray, q: np.ndarray) -> np.ndarray:
        twist = np.asarray(twist, dtype=float)
        if twist.shape != (6,) or not np.all(np.isfinite(twist)):
            raise ValueError(f"twist must be 6 finite numbers, got {twist!r}")
        w = self.manipulability(jacobian)
        damping = self.base_damping
        if w < self.manipulability_threshold:
            damping += self.singular_damping * (1.0 - w / self.manipulability_threshold) ** 2
        active = np.ones(6, dtype=bool)
        qdot = np.zeros(6)
        for _ in range(6):  # freeze joints pushing into a limit, re-solve with the rest
            j = jacobian[:, active]
            qdot_active = j.T @ np.linalg.solve(j @ j.T + damping * np.eye(6), twist)
            qdot = np.zeros(6)
            qdot[active] = qdot_active
            blocked = ((q <= JOINT_LOWER + self.joint_limit_margin) & (qdot < 0)) | (
                (q >= JOINT_UPPER - self.joint_limit_margin) & (qdot > 0)
            )
            if not np.any(blocked & active):
                break
            active &= ~blocked
            if not np.any(active):
                return np.zeros(6)
        limit = JOINT_SPEED_LIMIT * self.speed_fraction
        scale = np.max(np.abs(qdot) / limit)
        return qdot / scale if scale > 1.0 else qdot
