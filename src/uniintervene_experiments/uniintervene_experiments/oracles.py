"""Diagnostic systems that bound the gap, in the simulator only (never in the robot graph):
what UniIntervene would get with a perfect recovery or a perfect trigger.

- oracle_recovery: UniIntervene's learned trigger, then the scripted expert drives the
  recovery (same target, same value-based end, same time cap, the gripper allowed).
- oracle_trigger: a privileged stall detector (the task's true progress, as the simulated
  operator watches it, but with half its patience and no reaction delay) starts
  UniIntervene's learned recovery.
- oracle: both at once.
- pose_servo_recovery: not an oracle (it reads only joints), the bound from the other
  side: UniIntervene's trigger and memory, then a servo straight to the pose the
  retrieved target's correction left the arm in (uniintervene_recovery.pose_servo);
  oracle_trigger_pose_servo: the same servo behind the privileged stall detector.

`ExpertAgreement` compares any recovery's executed direction with the expert's on the same
ticks. The learned system's share of an oracle row's gain says which part limits it.
"""

import numpy as np

from uniintervene_recovery.memory import Target

ORACLE_RECOVERY = ("oracle_recovery", "oracle")
POSE_SERVO = ("pose_servo_recovery", "oracle_trigger_pose_servo")
ORACLE_TRIGGER = ("oracle_trigger", "oracle", "oracle_trigger_pose_servo")
ORACLES = ("oracle_recovery", "oracle_trigger", "oracle", *POSE_SERVO)  # the bounding rows


class ExpertRecoveryPolicy:
    """The scripted expert as the recovery policy: it reads the cell's privileged scene."""

    def __init__(self, cell):
        self.cell = cell

    def act(self, latent, goal, proprio) -> np.ndarray:
        return np.asarray(self.cell.task.expert(self.cell.scene()), np.float32)


def oracle_target(latent, value: float, min_gain: float) -> Target:
    """Where the expert recovers to when the memory holds no better state: min_gain up."""
    return Target("oracle", np.asarray(latent, np.float32), value + min_gain, 0.0, 0.0)


class StallTrigger:
    """Fires when the task's true progress has not gained `progress_epsilon` for
    `patience_ticks` of policy control, or the task warns of failure; then waits for
    progress (or the warning to clear) before firing again."""

    reason = "oracle stall"

    def __init__(self, patience_ticks: int = 15, progress_epsilon: float = 0.02):
        self.patience_ticks, self.progress_epsilon = patience_ticks, progress_epsilon
        self.best, self.stalled_ticks, self.owed = -np.inf, 0, False

    def update(self, policy_in_control: bool, status) -> bool:
        if status.progress > self.best + self.progress_epsilon:
            self.best, self.stalled_ticks = status.progress, 0
        elif policy_in_control:
            self.stalled_ticks += 1
        self.owed = policy_in_control and (
            status.warning or self.stalled_ticks >= self.patience_ticks
        )
        return self.owed

    def started(self) -> None:
        """A recovery started: the stall counts again from zero."""
        self.stalled_ticks, self.owed = 0, False


class ExpertAgreement:
    """How a recovery's executed translation compares with what the scripted expert would
    command on the same tick: the cosine of the two directions, and the speed ratio."""

    def __init__(self):
        self.cosines, self.speed_ratios = [], []

    def add(self, command, expert) -> None:
        ours, theirs = np.nan_to_num(np.asarray(command)[:3]), np.asarray(expert)[:3]
        norms = np.linalg.norm(ours), np.linalg.norm(theirs)
        if min(norms) > 1e-4:
            self.cosines.append(float(np.dot(ours, theirs) / (norms[0] * norms[1])))
            self.speed_ratios.append(float(norms[0] / norms[1]))

    def summary(self) -> dict | None:
        if not self.cosines:
            return None
        return {
            "ticks": len(self.cosines),
            "mean_cosine": float(np.mean(self.cosines)),
            "median_speed_ratio": float(np.median(self.speed_ratios)),
        }
