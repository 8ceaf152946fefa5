"""The learner's core (no ROS): transitions in, gradient updates, weights and checkpoints
out. learner_node feeds it from DDS; `uniintervene hilrl` feeds it in-process; both store
and train the same way.

Routing (RLPD, as HiL-SERL): the policy's own ticks go to the *online* buffer; every
intervention tick (human or autonomous recovery) and every demonstration to the *prior*
buffer, with the action that was executed; HOLD ticks are not actions and are skipped.
Everything lives under one folder: prior/, online/ (memory-mapped, flushed) and
learner.safetensors (networks, optimisers, temperature, update count; the one before it
kept as learner.previous.safetensors, the fallback when the latest is unreadable) and counters.json
(per-stream sequence numbers, lost and rejected transitions, written with every flush),
so a learner killed at any moment restarts from what it had flushed.
"""

import json
import pathlib
from dataclasses import dataclass, field

import numpy as np

from uniintervene_common.atomic import atomic_write
from uniintervene_learner.action_space import ActionSpace, ActionSpaceConfig
from uniintervene_learner.buffer import TransitionBuffer, sample_symmetric
from uniintervene_learner.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from uniintervene_learner.sac import SACAgent, SACConfig
from uniintervene_learner.weights import ActorWeights, pack_actor

SOURCES = {0: "policy", 1: "recovery", 2: "human", 3: "hold"}  # ActionCommand constants
CHECKPOINT, PREVIOUS, COUNTERS = (
    "learner.safetensors",
    "learner.previous.safetensors",
    "counters.json",
)


@dataclass
class LearnerConfig:
    task: str = "pick_eggplant"
    latent_dim: int = 64
    proprio_dim: int = 7
    capacity: int = 200_000  # per buffer
    warmup_transitions: int = 500  # stored transitions before the first update
    updates_per_transition: float = 1.0  # HiL-SERL's update-to-data ratio
    sac: SACConfig = field(default_factory=SACConfig)
    action: ActionSpaceConfig = field(default_factory=ActionSpaceConfig)


class Learner:
    def __init__(self, directory, config: LearnerConfig, device=None):
        self.directory = pathlib.Path(directory)
        self.config = c = config
        self.space = ActionSpace(c.action)
        self.obs_dim = c.latent_dim + c.proprio_dim
        self.counters = {"stored": 0, "gaps": 0, "rejected": 0, "streams": {}}
        self.resumed_from, self.problem = "", ""
        self.agent = self._resume(device) or SACAgent(self.obs_dim, self.space.dim, c.sac, device)
        self.prior = TransitionBuffer(
            self.directory / "prior", self.obs_dim, self.space.dim, c.capacity
        )
        self.online = TransitionBuffer(
            self.directory / "online", self.obs_dim, self.space.dim, c.capacity
        )
        self.rng = np.random.default_rng(c.sac.seed + self.agent.updates)
        counters = self.directory / COUNTERS
        if counters.exists():
            try:
                self.counters.update(json.loads(counters.read_text()))
            except ValueError as error:
                raise CheckpointError(f"{counters} is corrupt: {error}") from error
        self.metrics = {}

    def _resume(self, device) -> SACAgent | None:
        """The newest readable checkpoint: the latest, else the one before it (kept by
        every save), with why the latest was passed over in `problem`; None when there is
        none. A checkpoint of another size is an error: it is not this learner's."""
        for name in (CHECKPOINT, PREVIOUS):
            path = self.directory / name
            if not path.exists():
                continue
            try:
                agent, _ = load_checkpoint(path, device)
            except CheckpointError as error:
                self.problem = f"{error}; resumed from the previous checkpoint"
                continue
            if (agent.obs_dim, agent.action_dim) != (self.obs_dim, self.space.dim):
                raise CheckpointError(
                    f"{path} holds a {agent.obs_dim}-d/{agent.action_dim}-d agent, the "
                    f"config wants {self.obs_dim}-d/{self.space.dim}-d"
                )
            self.resumed_from = str(path)
            return agent
        if self.problem:
            raise CheckpointError(f"no readable checkpoint in {self.directory}: {self.problem}")
        return None

    # -- data -----------------------------------------------------------------------------
    def store(
        self, obs, executed, source: int, reward: float, next_obs, done: bool, demo: bool = False
    ) -> bool:
        """One tick into its buffer (a demonstration's always to the prior); False when it
        is not stored (HOLD, non-finite values)."""
        if SOURCES.get(source) in (None, "hold"):
            return False
        action = self.space.from_command(executed)
        buffer = self.online if SOURCES[source] == "policy" and not demo else self.prior
        try:
            buffer.add(obs, action, reward, next_obs, done)
        except ValueError:
            self.counters["rejected"] += 1
            return False
        self.counters["stored"] += 1
        return True

    def ingest(self, t: dict) -> int:
        """A Transition message's fields (stream, sequence, source, latent, proprio,
        executed, reward, done, next_latent, next_proprio). Returns how many transitions
        of its stream were lost before it (a sequence gap)."""
        streams = self.counters["streams"]
        expected = streams.get(t["stream"])
        lost = max(0, t["sequence"] - expected) if expected is not None else 0
        streams[t["stream"]] = max(t["sequence"] + 1, expected or 0)
        self.counters["gaps"] += lost
        obs = np.r_[t["latent"], t["proprio"]]
        next_obs = np.r_[t["next_latent"], t["next_proprio"]]
        if obs.shape != (self.obs_dim,) or next_obs.shape != (self.obs_dim,):
            self.counters["rejected"] += 1
            raise ValueError(
                f"a transition of {obs.size} numbers for a {self.obs_dim}-d learner "
                f"(latent_dim {self.config.latent_dim} + proprio_dim {self.config.proprio_dim})"
            )
        self.store(obs, t["executed"], t["source"], t["reward"], next_obs, t["done"])
        return lost

    def __len__(self) -> int:
        return len(self.prior) + len(self.online)

    # -- training -------------------------------------------------------------------------
    def due(self) -> bool:
        """Whether an update is due: past warm-up and behind the update-to-data ratio."""
        c = self.config
        if len(self) < c.warmup_transitions:
            return False
        return self.agent.updates < c.updates_per_transition * (
            len(self) - c.warmup_transitions + 1
        )

    def sample(self) -> dict:
        ratio = self.config.sac.critic_actor_ratio  # each critic update's batch half and half
        return sample_symmetric(
            self.prior, self.online, self.agent.rows_per_update, self.rng, chunks=ratio
        )

    def update(self, batch: dict | None = None) -> dict:
        self.metrics = self.agent.update(batch if batch is not None else self.sample())
        return self.metrics

    @property
    def updates(self) -> int:
        return self.agent.updates

    # -- out ------------------------------------------------------------------------------
    def weights(self) -> ActorWeights:
        return pack_actor(self.agent, self.config.action, self.config.task)

    def flush(self) -> None:
        """Make every transition stored so far, and the stream counters, survive a crash."""
        self.prior.flush()
        self.online.flush()
        text = json.dumps(self.counters, indent=1)
        atomic_write(self.directory / COUNTERS, lambda tmp: pathlib.Path(tmp).write_text(text))

    def save(self) -> None:
        """Flush, then checkpoint the networks, optimisers and temperature."""
        self.flush()
        latest = self.directory / CHECKPOINT
        if latest.exists():  # the last good one stays until the new one is complete
            latest.replace(self.directory / PREVIOUS)
        save_checkpoint(self.agent, latest)

    def status(self) -> dict:
        return {
            "updates": self.updates,
            "prior_transitions": len(self.prior),
            "online_transitions": len(self.online),
            "lost_transitions": self.counters["gaps"],
            "rejected_transitions": self.counters["rejected"],
            "streams": len(self.counters["streams"]),
            **{k: round(v, 5) for k, v in self.metrics.items()},
        }
