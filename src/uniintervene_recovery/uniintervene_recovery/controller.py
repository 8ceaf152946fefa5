"""One recovery, tick by tick (no ROS): retrieve a target, act toward it, decide the end.

A recovery ends by value: it succeeds when the value has risen to its target's (or the
latent is at the target), and gives up when the value has stopped rising for
`stall_ticks` (no gain of `gain_epsilon` over the best it reached), or at the time cap. It
moves the gripper where the policy says so (regrasp, learned from the corrections it was
trained on); the supervisor's safety filter sits after it, as after every source.
"""

from dataclasses import dataclass, field

import numpy as np

from uniintervene_recovery.memory import InterventionMemory, Segment, Target
from uniintervene_recovery.policy import RecoveryPolicy


@dataclass
class RecoveryConfig:
    value_margin: float = 0.03  # success when value >= target value - margin
    distance_threshold: float = 0.5  # ... or when the latent is this close to the target
    max_ticks: int = 60  # default time cap (6 s at 10 Hz)
    use_memory_goal: bool = True  # False: the "w/o memory goal" ablation (goal = zeros)
    stall_ticks: int = 15  # ticks without a value gain that end a recovery ("stalled")
    gain_epsilon: float = 0.01  # a value gain smaller than this is no gain
    use_gripper: bool = True  # False: the gripper stays as measured (no regrasp)


@dataclass
class RecoveryTick:
    action: np.ndarray | None
    done: bool
    success: bool
    outcome: str  # "running", "success", "stalled", "timeout", "no_pose"
    distance: float


@dataclass
class Recovery:
    """State of one recovery toward a target; `step` per control tick."""

    target: Target
    config: RecoveryConfig
    policy: RecoveryPolicy
    max_ticks: int
    ticks: int = 0
    best_value: float = -np.inf
    ticks_since_gain: int = 0
    trace: dict = field(default_factory=lambda: {"latents": [], "proprio": [], "actions": []})

    def step(self, latent, value: float, proprio) -> RecoveryTick:
        latent = np.asarray(latent, np.float32)
        distance = float(np.linalg.norm(latent - self.target.latent))
        if (
            value >= self.target.value - self.config.value_margin
            or distance <= self.config.distance_threshold
        ):
            return RecoveryTick(None, True, True, "success", distance)
        if value > self.best_value + self.config.gain_epsilon:
            self.best_value, self.ticks_since_gain = float(value), 0
        else:
            self.ticks_since_gain += 1
        if self.ticks_since_gain >= self.config.stall_ticks:
            return RecoveryTick(None, True, False, "stalled", distance)
        if self.ticks >= self.max_ticks:
            return RecoveryTick(None, True, False, "timeout", distance)
        goal = self.target.latent if self.config.use_memory_goal else np.zeros_like(latent)
        if getattr(self.policy, "goal_space", "latent") == "proprio":  # the pose servo
            if self.target.proprio is None:
                return RecoveryTick(None, True, False, "no_pose", distance)
            goal = self.target.proprio
        action = np.asarray(self.policy.act(latent, goal, proprio), np.float32).copy()
        # open or closed, never in between (proprio[6] is the closure, 0 open ... 1 closed)
        closure = action[6] if self.config.use_gripper else float(np.asarray(proprio)[6])
        action[6] = 1.0 if closure >= 0.5 else 0.0
        self.ticks += 1
        self.trace["latents"].append(latent)
        self.trace["proprio"].append(np.asarray(proprio, np.float32))
        self.trace["actions"].append(action.astype(np.float32))
        return RecoveryTick(action, False, False, "running", distance)

    def segment(self) -> Segment:
        return Segment(
            *(
                np.asarray(self.trace[k], np.float32).reshape(len(self.trace[k]), -1)
                for k in ("latents", "proprio", "actions")
            )
        )


def start_recovery(
    memory: InterventionMemory,
    policy: RecoveryPolicy,
    config: RecoveryConfig,
    latent,
    value: float,
    task: str,
    max_ticks: int = 0,
):
    """(Recovery, "") or (None, why no target qualified)."""
    target, why = memory.retrieve(latent, value, task)
    if target is None:
        return None, why
    return Recovery(target, config, policy, max_ticks or config.max_ticks), ""
