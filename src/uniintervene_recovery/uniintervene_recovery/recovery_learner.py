"""The learner side of online recovery learning (no ROS: recovery_learner_node wraps it).

Transitions from the cells (the ones SAC learns from) are cut per stream into spans of
human or recovery control; a span whose value (the critic's V of its latents) rose enters
the memory, and the goal-conditioned recovery policy trains on the memory's segments.
`data_dir` holds the grown memory and the trained policy, written atomically, so a
restarted learner goes on where it stopped; on a first start they come from the
offline-trained `policy_path` and `memory_path`.
"""

import pathlib
from dataclasses import dataclass, field

import numpy as np

from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.online import (
    CorrectionRecorder,
    OnlineRecoveryTrainer,
    correction_action,
    remember_correction,
)
from uniintervene_recovery.policy import RecoveryPolicy

HUMAN, RECOVERY = 2, 1  # ActionCommand sources whose spans are corrections
MEMORY_FILE = "memory.safetensors"


@dataclass
class _Span:
    episode: str
    source: int
    task: str
    recorder: CorrectionRecorder = field(default_factory=CorrectionRecorder)
    last_latent: np.ndarray | None = None  # where the span's last tick left the robot


class RecoveryLearner:
    def __init__(self, data_dir, policy_path, memory_path, value_of, task: str = "",
                 learning_rate: float = 3e-4, batch_size: int = 128, seed: int = 0,
                 min_improvement: float = 0.02):  # fmt: skip
        """`value_of(latent) -> float`: the critic's state value, as critic_node publishes it."""
        self.data_dir = pathlib.Path(data_dir)
        resumed = (self.data_dir / "recovery_policy.json").exists()
        self.policy = RecoveryPolicy.load(self.data_dir if resumed else policy_path)
        memory_file = self.data_dir / MEMORY_FILE
        self.memory = InterventionMemory.load(
            memory_file if memory_file.exists() else memory_path, self.policy.config.latent_dim
        )
        self.value_of, self.task, self.min_improvement = value_of, task, min_improvement
        self.trainer = OnlineRecoveryTrainer(
            self.policy, self.memory, task, learning_rate, batch_size, seed
        )
        self.trainer.version = int(self.policy.config.metrics.get("online_updates", 0))
        self.resumed = resumed
        self.spans: dict[str, _Span] = {}
        self.remembered = self.seen = 0

    def ingest(self, t: dict) -> bool:
        """One transition (stream, episode_id, task, source, latent, proprio, executed,
        next_latent, done, truncated); True when it closed a correction that was remembered."""
        remembered = False
        span = self.spans.get(t["stream"])
        if span is not None and (span.episode != t["episode_id"] or span.source != t["source"]):
            remembered = self._close(t["stream"])
            span = None
        if t["source"] in (HUMAN, RECOVERY):
            if span is None:
                span = _Span(t["episode_id"], t["source"], t.get("task", ""))
                self.spans[t["stream"]] = span
            latent = np.asarray(t["latent"], np.float32)
            action = correction_action(t["executed"], t["proprio"])
            span.recorder.observe(True, latent, self.value_of(latent), t["proprio"], action)
            span.last_latent = np.asarray(t["next_latent"], np.float32)
        if span is not None and (t["done"] or t["truncated"]):
            remembered = self._close(t["stream"]) or remembered
        return remembered

    def _close(self, stream: str) -> bool:
        span = self.spans.pop(stream)
        if span.last_latent is None:
            return False
        correction = span.recorder.close(span.last_latent, self.value_of(span.last_latent))
        if correction is None:
            return False
        self.seen += 1
        kind = "human" if span.source == HUMAN else "recovery"
        task = span.task or self.task or "any"
        episode = f"{kind}_{span.episode}"
        added = remember_correction(
            self.memory, correction, task, episode, 0.0, self.min_improvement
        )
        self.remembered += added
        return added

    def update(self, steps: int = 1) -> float | None:
        return self.trainer.update(steps)

    @property
    def version(self) -> int:
        return self.trainer.version

    def save(self) -> None:
        """The grown memory and the trained policy, atomically (a restart resumes them)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.memory.save(self.data_dir / MEMORY_FILE)
        self.policy.config.metrics = {**self.policy.config.metrics, "online_updates": self.version}
        self.policy.save(self.data_dir)

    def status(self) -> dict:
        return {
            "memory_entries": len(self.memory),
            "corrections_seen": self.seen,
            "corrections_remembered": self.remembered,
            "recovery_updates": self.version,
            "recovery_loss": self.trainer.last_loss,
        }
