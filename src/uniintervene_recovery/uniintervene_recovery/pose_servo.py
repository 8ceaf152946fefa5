"""Drive straight back to the retrieved target's arm pose (no ROS, no learning).

The memory keeps, with every target, the ticks of the correction that reached it, so it
knows where the arm was left: the last tick's joints and gripper. `PoseServoPolicy` is a
recovery policy that ignores the latent goal and servoes the TCP toward that pose, with
the scripted expert's proportional gains and speed limits, and closes or opens the
gripper as the target had it once the TCP is there. It needs nothing a real cell lacks
(joint states and the UR7e kinematics) and bounds the learned recovery from the other
side: where it takes over the operator's work, the memory's targets are good places and
the learned policy fails to reach them; where it does not, the targets are the limit.
"""

from dataclasses import dataclass

import numpy as np

from uniintervene_common.kinematics import rotation_error, tcp_pose


@dataclass
class PoseServoConfig:
    tool_offset: float = 0.16  # flange to TCP, m (the supervisor's tool_offset)
    gain: float = 3.0  # 1/s: twist per metre of position error
    rotation_gain: float = 2.5  # 1/s: angular speed per radian of orientation error
    max_speed: float = 0.15  # m/s
    max_angular_speed: float = 1.0  # rad/s
    gripper_radius: float = 0.02  # m: within it the gripper takes the target's state


class PoseServoPolicy:
    """`act(latent, goal, proprio)` with goal = the target's proprio (6 joints + closure)."""

    goal_space = "proprio"

    def __init__(self, config: PoseServoConfig | None = None):
        self.config = config or PoseServoConfig()

    def act(self, latent, goal, proprio) -> np.ndarray:
        c = self.config
        here, there = np.asarray(proprio, float), np.asarray(goal, float)
        current, target = tcp_pose(here[:6], c.tool_offset), tcp_pose(there[:6], c.tool_offset)
        offset = target[:3, 3] - current[:3, 3]
        linear = c.gain * offset
        speed = np.linalg.norm(linear)
        if speed > c.max_speed:
            linear *= c.max_speed / speed
        angular = c.rotation_gain * rotation_error(current[:3, :3], target[:3, :3])
        angular = np.clip(angular, -c.max_angular_speed, c.max_angular_speed)
        arrived = np.linalg.norm(offset) <= c.gripper_radius
        closure = there[6] if arrived else here[6]
        return np.r_[linear, angular, closure].astype(np.float32)
