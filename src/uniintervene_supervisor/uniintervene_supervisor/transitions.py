"""The supervisor's ticks as learner transitions (no ROS).

A tick's transition needs the observation *after* it, so each one is held until the next
tick (or the episode's end) supplies it. The reward is sparse: 1 when the task succeeded
after the tick. An episode that ends in success or task failure ends `done` (the learner
does not bootstrap past it); one that ends otherwise (time limit, cancel, fault) ends
`truncated`. A tick without a fresh observation (the critic's latent stale or missing)
produces no transition, and neither does the one before it. Where the arm's motion was
measured over a tick (joint states and kinematics, `tracking.TwistTracker`), that twist
is the transition's action, not the commanded one: what the arm did, whatever lag the
controller has.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Observation:
    latent: np.ndarray
    proprio: np.ndarray  # 6 joint angles + gripper closure
    encoder: str = ""


@dataclass
class Transition:
    stream: str
    sequence: int
    episode_id: str
    tick: int
    task: str
    observation: Observation
    executed: np.ndarray  # twist (6) + gripper
    source: int  # ActionCommand constant of who drove
    reward: float
    done: bool
    truncated: bool
    next_observation: Observation


class TransitionStream:
    def __init__(self, stream: str):
        self.stream, self.sequence = stream, 0
        self.episode_id, self.task = "", ""
        self.pending = None  # (tick, observation, executed, source) of the last tick

    def start_episode(self, episode_id: str, task: str) -> None:
        self.episode_id, self.task, self.pending = episode_id, task, None

    def tick(self, tick: int, observation: Observation | None, executed, source: int,
             measured=None):  # fmt: skip
        """A tick ran: the previous tick's transition (or None), then hold this one.
        measured: the TCP twist the arm made over the previous tick (None: unknown)."""
        out = self._complete(observation, 0.0, done=False, truncated=False, measured=measured)
        self.pending = None
        if observation is not None and np.all(np.isfinite(executed)):
            self.pending = (tick, observation, np.asarray(executed, np.float32), source)
        return out

    def end(self, success: bool, failure: bool, observation: Observation | None,
            measured=None):  # fmt: skip
        """The episode ended (in success, task failure or otherwise): the last tick's
        transition, done or truncated (or None)."""
        done = success or failure
        out = self._complete(observation, float(success), done, not done, measured)
        self.pending = None
        return out

    def _complete(self, observation, reward: float, done: bool, truncated: bool, measured=None):
        if self.pending is None or observation is None:
            return None
        tick, before, executed, source = self.pending
        if measured is not None and np.all(np.isfinite(measured)):
            executed = np.r_[np.asarray(measured, np.float32), executed[6:]]
        out = Transition(
            self.stream, self.sequence, self.episode_id, tick, self.task, before, executed,
            source, reward, done, truncated, observation,
        )  # fmt: skip
        self.sequence += 1
        return out
