"""The safety filter between the winning source and the robot (no ROS).

Whatever wins arbitration passes here: a non-finite command, a stale source command or
stale joint states give zero velocity (HOLD); speeds are clamped (direction kept);
acceleration is limited against the previous output; the TCP is kept inside a workspace
box (as HiL-SERL's bounding box): at or beyond a face, velocity pointing further out is
removed while motion back inside stays allowed. The gripper is clamped to [0, 1] and held
at its last safe value when the command is invalid; before any valid command it is NaN,
meaning "leave the gripper alone" (a hold must never open a gripper holding a part).
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SafetyConfig:
    max_linear_speed: float = 0.25  # m/s
    max_angular_speed: float = 1.0  # rad/s
    max_linear_acceleration: float = 2.0  # m/s^2
    max_angular_acceleration: float = 8.0  # rad/s^2
    workspace_min: tuple = (0.15, -0.35, 0.0)  # m, base frame
    workspace_max: tuple = (0.85, 0.55, 0.6)
    command_timeout: float = 0.3  # s: older source commands are stale
    joint_state_timeout: float = 0.3  # s


@dataclass
class FilterResult:
    command: np.ndarray  # 7: twist (6) + gripper
    violations: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return not np.any(self.command[:6])


class SafetyFilter:
    def __init__(self, config: SafetyConfig | None = None, period: float = 0.1):
        self.config = config or SafetyConfig()
        self.period = period
        self.previous = np.zeros(6)
        self.gripper = float("nan")

    def reset(self) -> None:
        """A new episode: no velocity history (the gripper keeps its last command)."""
        self.previous = np.zeros(6)

    def hold(self, why: str) -> FilterResult:
        """Zero velocity now (a hold is exempt from the acceleration limit)."""
        self.previous = np.zeros(6)
        return FilterResult(np.r_[np.zeros(6), self.gripper], [why])

    def apply(
        self, command, command_age: float, joint_state_age: float, tcp_position=None, dt=None
    ) -> FilterResult:
        """`dt`: seconds since the last output (an event-driven human command comes between
        ticks); the acceleration limit allows limit * dt of change, dt at most a tick."""
        c = self.config
        dt = self.period if dt is None else min(max(dt, 0.0), self.period)
        command = np.asarray(command, dtype=float) if command is not None else None
        if command is None or command.shape != (7,):
            return self.hold("missing_command")
        if not np.all(np.isfinite(command)):
            return self.hold("non_finite_command")
        if not command_age <= c.command_timeout:
            return self.hold("stale_command")
        if not joint_state_age <= c.joint_state_timeout:
            return self.hold("stale_joint_states")
        violations = []
        twist = command[:6].copy()
        for part, limit in ((slice(0, 3), c.max_linear_speed), (slice(3, 6), c.max_angular_speed)):
            speed = np.linalg.norm(twist[part])
            if speed > limit:
                twist[part] *= limit / speed
                violations.append("speed_clamped")
        if tcp_position is not None:
            position = np.asarray(tcp_position, float)
            low, high = np.asarray(c.workspace_min), np.asarray(c.workspace_max)
            outward = ((position <= low) & (twist[:3] < 0)) | ((position >= high) & (twist[:3] > 0))
            if outward.any():
                twist[:3][outward] = 0.0
                violations.append("workspace_boundary")
        for part, limit in (
            (slice(0, 3), c.max_linear_acceleration),
            (slice(3, 6), c.max_angular_acceleration),
        ):
            change = twist[part] - self.previous[part]
            step = np.linalg.norm(change)
            if step > limit * dt:
                twist[part] = self.previous[part] + change * (limit * dt / step)
                violations.append("acceleration_limited")
        self.previous = twist
        self.gripper = float(np.clip(command[6], 0.0, 1.0))
        return FilterResult(np.r_[twist, self.gripper], violations)
