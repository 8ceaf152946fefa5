"""The base policy: a competent but imperfect stand-in for a mid-training RL policy.

It follows the scripted expert with action noise, but in a fraction of episodes
(`failure_rate`) it falls, at a random moment, into one of the unproductive behaviours
of an exploring RL policy and stays there until someone overrides it:

- stall: hovers in place with small jitter;
- misaligned: approaches a target shifted by a few centimetres (grasps air, jams at a rim);
- jam: pushes along the tool axis, sliding sideways, into whatever is below or in front;
- drift: wanders away from the task at constant speed;
- slip: lets go of what it holds and moves on as if still carrying it (a towel's natural
  fault; drawn only on tasks that list it in `Task.fault_modes`).

An override (a tick executed from another source: the human or a recovery) ends the
behaviour; with `refault_probability` another one starts later in the episode.
"""

from dataclasses import dataclass

import numpy as np

from uniintervene_sim.scene import Scene

FAULT_MODES = ("stall", "misaligned", "jam", "drift", "slip")


@dataclass
class BasePolicyConfig:
    failure_rate: float = 0.6  # probability that an episode contains an unproductive phase
    onset_range: tuple[float, float] = (0.3, 3.0)  # s after reset (or after an override)
    refault_probability: float = 0.3
    action_noise: float = 0.01  # m/s (and rad/s) of Gaussian jitter on the expert's twist
    modes: tuple[str, ...] = FAULT_MODES

    def __post_init__(self):
        if not 0.0 <= self.failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be in [0, 1], got {self.failure_rate}")
        unknown = set(self.modes) - set(FAULT_MODES)
        if unknown or not self.modes:
            raise ValueError(f"modes must be a non-empty subset of {FAULT_MODES}, got {self.modes}")


class BasePolicy:
    def __init__(self, config: BasePolicyConfig | None = None):
        self.config = config or BasePolicyConfig()
        self.reset(0)

    def reset(self, seed: int, time: float = 0.0) -> None:
        # Its own stream, so the environment's layout for a seed does not change with it.
        self.rng = np.random.default_rng([int(seed), 0xB45E])
        self.fault = ""
        self.fault_onset = self._draw_onset(time, self.config.failure_rate)
        self.fault_count = 0

    def _draw_onset(self, time: float, probability: float) -> float | None:
        if self.rng.random() >= probability:
            return None
        return time + self.rng.uniform(*self.config.onset_range)

    def _start_fault(self, task_modes) -> None:
        modes = [mode for mode in self.config.modes if mode in task_modes]
        if not modes:  # none of the configured behaviours fits this task
            self.fault_onset = None
            return
        self.fault = str(self.rng.choice(modes))
        self.fault_count += 1
        angle = self.rng.uniform(-np.pi, np.pi)
        self.offset = self.rng.uniform(0.025, 0.045) * np.array([np.cos(angle), np.sin(angle), 0.0])
        self.drift = 0.04 * np.array([np.cos(angle), np.sin(angle), 0.3])
        self.fault_onset = None

    def act(self, scene: Scene, task, tool_axis: np.ndarray | None = None) -> np.ndarray:
        """The policy's action for this tick on `task` (its `expert(scene, target_offset)`
        and the `fault_modes` that fit it)."""
        expert = task.expert
        if not self.fault and self.fault_onset is not None and scene.time >= self.fault_onset:
            self._start_fault(task.fault_modes)
        noise = np.concatenate([self.rng.normal(0.0, self.config.action_noise, 6), [0.0]])
        hold_gripper = scene.gripper_command
        if self.fault == "stall":
            action = np.concatenate([np.zeros(6), [hold_gripper]])
        elif self.fault == "misaligned":
            action = np.asarray(expert(scene, self.offset), dtype=float)
        elif self.fault == "jam":
            axis = tool_axis if tool_axis is not None else scene.tcp.rotation[:, 2]
            sideways = self.drift - np.dot(self.drift, axis) * axis
            action = np.concatenate([0.02 * axis + 0.5 * sideways, np.zeros(3), [hold_gripper]])
        elif self.fault == "drift":
            action = np.concatenate([self.drift, np.zeros(3), [hold_gripper]])
        elif self.fault == "slip":
            action = np.concatenate([self.drift, np.zeros(3), [0.0]])
        else:
            action = np.asarray(expert(scene), dtype=float)
        return action + noise

    def notify_executed(self, by_policy: bool, time: float) -> None:
        """Tell the policy whose command ran this tick; an override ends its fault."""
        if by_policy or not self.fault:
            return
        self.fault = ""
        self.fault_onset = self._draw_onset(time, self.config.refault_probability)
