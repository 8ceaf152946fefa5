"""The simulated operator: the HiL-SERL human at the SpaceMouse, as a state machine.

It watches the privileged task state. When the robot has made no progress for `patience`
seconds, or heads toward failure (the task's warning), it notices, reacts after
`reaction_delay` seconds (unless the robot recovered meanwhile), takes over and drives
with the scripted expert until progress is restored by `restore_margin` (after at least
`min_correction` seconds), or gives back after `max_correction` seconds.
"""

from dataclasses import dataclass

import numpy as np

from uniintervene_sim.scene import Scene, TaskStatus


@dataclass
class OperatorConfig:
    patience: float = 3.0  # s without progress before the operator steps in
    reaction_delay: float = 0.6  # s from noticing to taking over
    min_correction: float = 1.5  # s the operator drives at least
    max_correction: float = 10.0  # s the operator drives at most
    progress_epsilon: float = 0.02  # a gain smaller than this is no progress
    restore_margin: float = 0.1  # progress gain over the takeover point that ends a correction


@dataclass
class OperatorDecision:
    engaged: bool
    action: np.ndarray | None = None
    reason: str = ""  # why the operator is (about to be) engaged


class SimulatedOperator:
    WATCHING, NOTICED, ENGAGED = "watching", "noticed", "engaged"

    def __init__(self, config: OperatorConfig | None = None):
        self.config = config or OperatorConfig()
        self.reset()

    def reset(self, time: float = 0.0) -> None:
        self.state = self.WATCHING
        self.best_progress = -np.inf
        self.last_improvement = time
        self.noticed_at = self.engaged_at = None
        self.takeover_progress = 0.0
        self.reason = ""
        self.takeovers = 0

    def step(self, time: float, status: TaskStatus, scene: Scene, expert) -> OperatorDecision:
        c = self.config
        if status.progress > self.best_progress + c.progress_epsilon:
            self.best_progress = status.progress
            self.last_improvement = time
        if self.state == self.WATCHING:
            if status.success or status.failure:
                return OperatorDecision(False)
            if status.warning:
                self._notice(time, "heading_to_failure")
            elif time - self.last_improvement > c.patience:
                self._notice(time, "no_progress")
        if self.state == self.NOTICED:
            recovered = self.last_improvement > self.noticed_at and not status.warning
            if recovered:
                self.state, self.reason = self.WATCHING, ""
            elif time - self.noticed_at >= c.reaction_delay:
                self.state, self.engaged_at = self.ENGAGED, time
                self.takeover_progress = status.progress
                self.takeovers += 1
        if self.state == self.ENGAGED:
            driven = time - self.engaged_at
            restored = status.progress >= self.takeover_progress + c.restore_margin
            if (
                status.success
                or status.failure
                or driven >= c.max_correction
                or (driven >= c.min_correction and restored and not status.warning)
            ):
                self.state, self.reason = self.WATCHING, ""
                self.best_progress, self.last_improvement = status.progress, time
                return OperatorDecision(False)
            return OperatorDecision(True, np.asarray(expert(scene), dtype=float), self.reason)
        return OperatorDecision(False, reason=self.reason)

    def expected_notice(self) -> float:
        """When the operator notices the present trouble: when it did, or, while it watches,
        `patience` after the last progress if none comes (a warning is noticed at once,
        on its next step)."""
        if self.state != self.WATCHING:
            return self.noticed_at
        return self.last_improvement + self.config.patience

    def _notice(self, time: float, reason: str) -> None:
        self.state, self.noticed_at, self.reason = self.NOTICED, time, reason
