"""Gymnasium environment over the simulated cell (the in-process experiment harness).

Observation: `image` (H x W x 3 uint8), `joint_pos` and `joint_vel` (6, rad and rad/s),
`gripper` (measured closure, 0 open ... 1 closed). Action: TCP twist in the base frame
(vx, vy, vz in m/s, wx, wy, wz in rad/s) and the gripper command (0 open ... 1 closed).
Reward is sparse (1 on success). A step where MuJoCo diverges ends the episode as a
failure (`info["unstable"]` says why; `unstable_steps` counts them). `info` carries the
privileged task status and scene for the simulated operator and evaluation; a critic
must not read it.
"""

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from uniintervene_common.kinematics import JOINT_LOWER, JOINT_UPPER
from uniintervene_sim.cell import SimCell, SimulationUnstable
from uniintervene_sim.model import CONTROL_PERIOD, CameraConfig
from uniintervene_sim.tasks.base import MAX_ANGULAR_SPEED, MAX_LINEAR_SPEED

ENV_ID = "UniIntervene/UR7eCell-v0"
# Joint velocity readings are clipped to twice the UR joint speed limit (a sensor range).
VELOCITY_RANGE = np.float32(2 * np.pi)


class UR7eCellEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": round(1 / CONTROL_PERIOD)}

    def __init__(
        self,
        task: str = "pick_eggplant",
        camera: CameraConfig | None = None,
        render_images: bool = True,
        render_mode: str | None = "rgb_array",
    ):
        self.cell = SimCell(task, camera=camera, render=render_images)
        self.render_mode = render_mode
        self.unstable_steps = 0  # steps where MuJoCo diverged (each ended its episode)
        height, width = self.cell.camera.height, self.cell.camera.width
        self.observation_space = spaces.Dict(
            {
                "image": spaces.Box(0, 255, (height, width, 3), np.uint8),
                "joint_pos": spaces.Box(
                    JOINT_LOWER.astype(np.float32), JOINT_UPPER.astype(np.float32)
                ),
                "joint_vel": spaces.Box(-VELOCITY_RANGE, VELOCITY_RANGE, (6,), np.float32),
                "gripper": spaces.Box(0.0, 1.0, (1,), np.float32),
            }
        )
        linear, angular = MAX_LINEAR_SPEED, MAX_ANGULAR_SPEED
        self.action_space = spaces.Box(
            np.array([-linear] * 3 + [-angular] * 3 + [0.0], np.float32),
            np.array([linear] * 3 + [angular] * 3 + [1.0], np.float32),
        )

    @property
    def task(self) -> str:
        return self.cell.task_name

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        episode_seed = seed if seed is not None else int(self.np_random.integers(2**31 - 1))
        observation = self._clip(self.cell.reset((options or {}).get("task"), episode_seed))
        self._last = observation
        return observation, self._info()

    def step(self, action):
        try:
            observation = self._clip(self.cell.step(action))
        except SimulationUnstable as error:
            # MuJoCo diverged and reset itself: the episode ends as a failure, and the last
            # finite observation is returned (reset() before stepping again)
            self.unstable_steps += 1
            return self._last, 0.0, True, False, {**self._info(), "unstable": str(error)}
        self._last = observation
        status = self.cell.status()
        terminated = status.success or status.failure
        truncated = not terminated and self.cell.time >= self.cell.task.episode_seconds - 1e-9
        return observation, float(status.success), terminated, truncated, self._info()

    @staticmethod
    def _clip(observation: dict) -> dict:
        observation["joint_vel"] = np.clip(
            observation["joint_vel"], -VELOCITY_RANGE, VELOCITY_RANGE
        )
        return observation

    def _info(self) -> dict:
        return {
            "task_status": self.cell.status(),
            "scene": self.cell.scene(),
            "time": self.cell.time,
            "seed": self.cell.seed,
        }

    def render(self):
        return self.cell.render()

    def close(self):
        self.cell.close()


def register() -> None:
    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point="uniintervene_sim.gym_env:UR7eCellEnv")


register()
