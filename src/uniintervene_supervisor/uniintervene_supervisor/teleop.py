"""SpaceMouse / joystick to human commands (no ROS): HiL-SERL's takeover rules.

- implicit (HiL-SERL): any input with norm above `deadband`, or any button, engages; the
  human stays engaged until `release_after` seconds without input;
- deadman: engaged exactly while button `deadman_button` is held.
Either way, no input for `input_timeout` seconds (a dead device) disengages. Axes are
scaled to m/s and rad/s (with the device's sign conventions via per-axis scales);
`close_button` / `open_button` set the gripper command.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TeleopConfig:
    mode: str = "implicit"  # "implicit" or "deadman"
    # spacenav scales device counts by 1/full_scale (512): 1e-3 was under one count, so
    # sensor jitter took over; 0.01 is 5 counts (joystick_drivers spacenav/src/spacenav.cpp)
    deadband: float = 0.01
    linear_scale: float = 0.15  # m/s at full deflection
    angular_scale: float = 0.6  # rad/s at full deflection
    axis_signs: list = field(default_factory=lambda: [1.0] * 6)
    release_after: float = 0.5  # s without input before an implicit takeover ends
    input_timeout: float = 0.5  # s without any message: the device is gone
    deadman_button: int = 0
    close_button: int = 0
    open_button: int = 1

    def __post_init__(self):
        if self.mode not in ("implicit", "deadman"):
            raise ValueError(f"teleop mode must be 'implicit' or 'deadman', not {self.mode!r}")
        if len(self.axis_signs) != 6:
            raise ValueError("axis_signs needs 6 entries (x, y, z, roll, pitch, yaw)")


class TeleopMapper:
    def __init__(self, config: TeleopConfig | None = None):
        self.config = config or TeleopConfig()
        self.axes = np.zeros(6)
        self.buttons: list[int] = []
        self.last_message = -np.inf
        self.last_active = -np.inf
        self.gripper = 0.0

    def on_twist(self, axes, now: float) -> None:
        axes = np.asarray(axes, float)
        self.axes = axes if axes.shape == (6,) and np.all(np.isfinite(axes)) else np.zeros(6)
        self.last_message = now
        if np.linalg.norm(self.axes) > self.config.deadband:
            self.last_active = now

    def on_buttons(self, buttons, now: float) -> None:
        self.buttons = list(buttons)
        self.last_message = now
        c = self.config
        if any(self.buttons):
            self.last_active = now
        if (
            len(self.buttons) > c.close_button
            and self.buttons[c.close_button]
            and c.mode == "implicit"
        ):
            self.gripper = 1.0
        if len(self.buttons) > c.open_button and self.buttons[c.open_button]:
            self.gripper = 0.0

    def engaged(self, now: float) -> bool:
        c = self.config
        if now - self.last_message > c.input_timeout:
            return False
        if c.mode == "deadman":
            return len(self.buttons) > c.deadman_button and bool(self.buttons[c.deadman_button])
        return now - self.last_active <= c.release_after

    def command(self) -> np.ndarray:
        scales = np.array([self.config.linear_scale] * 3 + [self.config.angular_scale] * 3)
        twist = np.clip(self.axes, -1.0, 1.0) * scales * np.asarray(self.config.axis_signs)
        return np.r_[twist, self.gripper]
