"""The base policy: a competent but imperfect stand-in for a mid-training RL policy.

It follows the scripted expert with action noise, but in a fraction of episodes
(`failure_rate`) it falls, at a random moment, into one of the unproductive behaviours
of an exploring RL policy:

- stall: hovers in place with small jitter;
- misaligned: approaches a target shifted by a few centimetres (grasps air, jams at a rim);
- jam: pushes along the tool axis, sliding sideways, into whatever is below or in front;
- drift: wanders away from the task;
- slip: lets go of what it holds and moves on as if still carrying it (a towel's natural
  fault; drawn only on tasks that list it in `Task.fault_modes`).

As a learned policy's, these behaviours belong to a region of the state, not to a moment:
a ball of `region_radius` around where the tool was when the fault began, with the
gripper as it was. The policy's own motion never takes it out (it moves within the inner
`confine_fraction` of the ball), so the fault ends only once the arm has been moved out
of the region (or the gripper opened or closed) by someone else (the human, a recovery),
and a brief override that leaves the arm in it cures nothing. Coming back into the
region (inside its inner half, with the gripper as it was) starts the same behaviour
again. With `refault_probability` another fault starts later in the episode.
"""

from dataclasses import dataclass

import numpy as np

from uniintervene_sim.scene import Scene

FAULT_MODES = ("stall", "misaligned", "jam", "drift", "slip")
GRIPPER_CLOSED = 0.5


@dataclass
class BasePolicyConfig:
    failure_rate: float = 0.6  # probability that an episode contains an unproductive phase
    onset_range: tuple[float, float] = (0.3, 3.0)  # s after reset (or after a cure)
    refault_probability: float = 0.3
    action_noise: float = 0.01  # m/s (and rad/s) of Gaussian jitter on the expert's twist
    modes: tuple[str, ...] = FAULT_MODES
    region_radius: float = 0.03  # m: moved this far from where it began, a fault ends
    # The faulty policy itself stays within this part of it: from there even a 1-tick
    # override at the 0.25 m/s limit (2.5 cm) does not leave the region.
    confine_fraction: float = 0.15

    def __post_init__(self):
        if not 0.0 <= self.failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be in [0, 1], got {self.failure_rate}")
        unknown = set(self.modes) - set(FAULT_MODES)
        if unknown or not self.modes:
            raise ValueError(f"modes must be a non-empty subset of {FAULT_MODES}, got {self.modes}")
        if self.region_radius <= 0.0 or not 0.0 < self.confine_fraction <= 0.5:
            raise ValueError("region_radius must be > 0 and confine_fraction in (0, 0.5]")


@dataclass
class FaultRegion:
    """Where (and with which gripper state) the policy behaves unproductively, and how."""

    mode: str
    centre: np.ndarray
    gripper_closed: bool
    offset: np.ndarray  # the misaligned target's shift
    drift: np.ndarray  # the drift / slip direction and speed

    def distance(self, scene: Scene) -> float:
        return float(np.linalg.norm(scene.tcp.position - self.centre))

    def holds(self, scene: Scene) -> bool:
        return (scene.gripper_command >= GRIPPER_CLOSED) == self.gripper_closed


class BasePolicy:
    def __init__(self, config: BasePolicyConfig | None = None):
        self.config = config or BasePolicyConfig()
        self.reset(0)

    def reset(self, seed: int, time: float = 0.0) -> None:
        # Its own stream, so the environment's layout for a seed does not change with it.
        self.rng = np.random.default_rng([int(seed), 0xB45E])
        self.regions: list[FaultRegion] = []
        self.active: FaultRegion | None = None
        self.fault_onset = self._draw_onset(time, self.config.failure_rate)

    @property
    def fault(self) -> str:
        return self.active.mode if self.active else ""

    def _draw_onset(self, time: float, probability: float) -> float | None:
        if self.rng.random() >= probability:
            return None
        return time + self.rng.uniform(*self.config.onset_range)

    def _start_fault(self, scene: Scene, task_modes) -> None:
        self.fault_onset = None
        modes = [mode for mode in self.config.modes if mode in task_modes]
        if not modes:  # none of the configured behaviours fits this task
            return
        mode = str(self.rng.choice(modes))
        angle = self.rng.uniform(-np.pi, np.pi)
        direction = np.array([np.cos(angle), np.sin(angle), 0.0])
        self.active = FaultRegion(
            mode=mode,
            centre=scene.tcp.position.copy(),
            gripper_closed=scene.gripper_command >= GRIPPER_CLOSED,
            offset=self.rng.uniform(0.025, 0.045) * direction,
            drift=0.04 * (direction + np.array([0.0, 0.0, 0.3])),
        )
        self.regions.append(self.active)

    def _update_fault(self, scene: Scene, task_modes) -> None:
        radius, active = self.config.region_radius, self.active
        # moved out of the region (or the gripper changed under someone else's command:
        # another state): cured, until it comes back
        if active is not None and (
            active.distance(scene) > radius or (active.mode != "slip" and not active.holds(scene))
        ):
            self.active = None
            self.fault_onset = self._draw_onset(scene.time, self.config.refault_probability)
        if self.active is None:
            for region in self.regions:  # back in a region's core: the same behaviour
                if region.distance(scene) < 0.5 * radius and region.holds(scene):
                    self.active = region
                    return
        if self.active is None and self.fault_onset is not None and scene.time >= self.fault_onset:
            self._start_fault(scene, task_modes)

    def act(self, scene: Scene, task, tool_axis: np.ndarray | None = None) -> np.ndarray:
        """The policy's action for this tick on `task` (its `expert(scene, target_offset)`
        and the `fault_modes` that fit it)."""
        self._update_fault(scene, task.fault_modes)
        noise = np.concatenate([self.rng.normal(0.0, self.config.action_noise, 6), [0.0]])
        region, hold_gripper = self.active, scene.gripper_command
        if region is None:
            return np.asarray(task.expert(scene), dtype=float) + noise
        if region.mode == "stall":
            action = np.concatenate([np.zeros(6), [hold_gripper]])
        elif region.mode == "misaligned":
            action = np.asarray(task.expert(scene, region.offset), dtype=float)
        elif region.mode == "jam":
            axis = tool_axis if tool_axis is not None else scene.tcp.rotation[:, 2]
            sideways = region.drift - np.dot(region.drift, axis) * axis
            action = np.concatenate([0.02 * axis + 0.5 * sideways, np.zeros(3), [hold_gripper]])
        else:  # drift, slip (which lets go)
            gripper = 0.0 if region.mode == "slip" else hold_gripper
            action = np.concatenate([region.drift, np.zeros(3), [gripper]])
        return self._confine(action + noise, scene, region)

    def _confine(self, action: np.ndarray, scene: Scene, region: FaultRegion) -> np.ndarray:
        """Cancel the outward part of the motion at the inner boundary: a faulty policy
        circles in its region instead of leaving it on its own."""
        outward = scene.tcp.position - region.centre
        distance = np.linalg.norm(outward)
        limit = self.config.confine_fraction * self.config.region_radius
        if distance >= limit:
            outward /= distance
            speed = float(np.dot(action[:3], outward))
            action[:3] -= max(speed, 0.0) * outward
            action[:3] -= 0.5 * (distance - limit) / 0.1 * outward  # back inside in 2 ticks
        return action
