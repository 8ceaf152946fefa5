"""The recovery learns from this run's corrections, online (no ROS).

`CorrectionRecorder` cuts the operator's corrections out of the tick stream: every span of
human control becomes a segment (latents, proprioception, executed actions), and one whose
value rose by `min_improvement` from its first tick to the state it left the robot in is
a verified intervention: it enters the memory at once (its end state is a recovery
target, its ticks show how to get there), as a verified autonomous recovery does.

`OnlineRecoveryTrainer` keeps training the goal-conditioned recovery policy on the
memory's segments with hindsight goals (a later tick of the same segment), a few gradient
steps at a time beside the RL learner, with the goal dropout the offline training used.
Its `version` counts the updates, so a node can publish the weights and a recovery can
swap them in between recoveries.
"""

from dataclasses import dataclass

import numpy as np
import torch

from uniintervene_recovery.memory import InterventionMemory, Segment
from uniintervene_recovery.policy import RecoveryPolicy, action_loss, action_weights


@dataclass
class Correction:
    segment: Segment
    start_value: float
    end_value: float
    end_latent: np.ndarray

    @property
    def gain(self) -> float:
        return self.end_value - self.start_value


class CorrectionRecorder:
    """Per tick: `observe(human, latent, value, proprio, action)` with the state the tick
    started from and the action executed; returns the finished `Correction` on the first
    tick after a span of human control (or at `close()`), else None."""

    def __init__(self, min_length: int = 3):
        self.min_length = min_length
        self.rows: list[tuple] = []
        self.start_value = 0.0

    def observe(self, human: bool, latent, value: float, proprio, action) -> Correction | None:
        if human:
            if not self.rows:
                self.start_value = float(value)
            row = (np.asarray(latent, np.float32), np.asarray(proprio, np.float32))
            self.rows.append((*row, np.asarray(action, np.float32)))
            return None
        return self.close(latent, value)

    def close(self, latent, value: float) -> Correction | None:
        """The span ends at this state (its latent and value)."""
        rows, self.rows = self.rows, []
        if len(rows) < self.min_length:
            return None
        latents, proprio, actions = (np.stack(column) for column in zip(*rows, strict=True))
        segment = Segment(latents, proprio, actions)
        end = np.asarray(latent, np.float32).reshape(-1)
        return Correction(segment, self.start_value, float(value), end)


def correction_action(command, proprio) -> np.ndarray:
    """The executed command as a correction's action: a NaN gripper ("leave it") is the
    measured closure, as the recovery policy must output it."""
    command = np.asarray(command, np.float32)
    return np.where(np.isnan(command), np.r_[np.zeros(6), np.asarray(proprio)[6]], command)


def remember_correction(
    memory: InterventionMemory,
    correction: Correction,
    task: str,
    episode: str,
    time: float,
    min_improvement: float = 0.02,
) -> bool:
    """A correction whose value rose enters the memory (True); others are forgotten."""
    if correction.gain < min_improvement:
        return False
    memory.add(correction.end_latent, correction.end_value, task, episode, time,
               correction.segment)  # fmt: skip
    return True


class OnlineRecoveryTrainer:
    def __init__(self, policy: RecoveryPolicy, memory: InterventionMemory, task: str = "",
                 learning_rate: float = 3e-4, batch_size: int = 128, seed: int = 0):  # fmt: skip
        self.policy, self.memory, self.task = policy, memory, task
        self.batch_size = batch_size
        self.optimiser = torch.optim.AdamW(policy.parameters(), lr=learning_rate,
                                           weight_decay=1e-4)  # fmt: skip
        self.rng = np.random.default_rng(seed)
        self.generator = torch.Generator().manual_seed(seed)
        self.version = 0  # updates taken
        self.last_loss = float("nan")
        self._seen = -1  # memory size the flat arrays were built for
        self._data = None
        self.weights = None  # the loss's per-dimension weights, from the data

    def _flatten(self):
        """Every tick of the task's segments that has a later tick, with its segment's end."""
        if self._seen == len(self.memory):
            return self._data
        self._seen = len(self.memory)
        segments = [
            s for s, t in zip(self.memory.segments, self.memory.tasks, strict=True)
            if len(s.actions) >= 2 and (not self.task or t == self.task)
        ]  # fmt: skip
        if not segments:
            self._data = None
            return None
        lengths = np.array([len(s.actions) for s in segments])
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        ticks = np.concatenate(
            [start + np.arange(n - 1) for start, n in zip(starts, lengths, strict=True)]
        )
        ends = np.repeat(starts + lengths, lengths - 1)
        actions = np.concatenate([s.actions for s in segments]).astype(np.float32)
        self._data = {
            "latent": np.concatenate([s.latents for s in segments]).astype(np.float32),
            "proprio": np.concatenate([s.proprio for s in segments]).astype(np.float32),
            "action": actions,
            "ticks": ticks,
            "ends": ends,
        }
        standardise = self.policy.config.standardise_loss
        self.weights = action_weights(torch.from_numpy(actions), standardise)
        return self._data

    def batch(self) -> dict | None:
        data = self._flatten()
        if data is None:
            return None
        pick = self.rng.integers(0, len(data["ticks"]), self.batch_size)
        tick, end = data["ticks"][pick], data["ends"][pick]
        future = self.rng.integers(tick + 1, end)  # hindsight: a later tick of the segment
        as_tensor = torch.from_numpy
        return {
            "latent": as_tensor(data["latent"][tick]),
            "goal": as_tensor(data["latent"][future]),
            "proprio": as_tensor(data["proprio"][tick]),
            "action": as_tensor(data["action"][tick]),
        }

    def update(self, steps: int = 1) -> float | None:
        """`steps` gradient steps; the last loss, or None when there is nothing to learn."""
        for _ in range(steps):
            batch = self.batch()
            if batch is None:
                return None
            self.policy.train()
            drop = torch.rand(len(batch["goal"]), 1, generator=self.generator)
            drop = drop < self.policy.config.goal_dropout
            goal = torch.where(drop, torch.zeros_like(batch["goal"]), batch["goal"])
            loss = action_loss(self.policy, batch, goal, self.weights)
            self.optimiser.zero_grad()
            loss.backward()
            self.optimiser.step()
            self.policy.eval()
            self.version += 1
            self.last_loss = loss.item()
        return self.last_loss
