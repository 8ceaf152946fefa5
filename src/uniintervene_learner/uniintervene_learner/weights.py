"""The actor's weights as the learner publishes them: safetensors bytes, a SHA-256 digest
and a JSON config (network sizes, the task's action space), so an actor on another
computer rebuilds the network and maps its output without sharing anything else. No
pickle: a corrupt or foreign payload is refused with a clear error."""

import hashlib
import json
from dataclasses import asdict, dataclass

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from uniintervene_learner.action_space import ActionSpace, ActionSpaceConfig
from uniintervene_learner.sac import Actor, SACAgent

FORMAT = "uniintervene-actor-v1"


class WeightsError(ValueError):
    """Weights whose digest, config or tensors do not hold together."""


@dataclass
class ActorWeights:
    version: int
    config: str  # JSON
    sha256: str
    data: bytes


def pack_actor(agent: SACAgent, space: ActionSpaceConfig, task: str) -> ActorWeights:
    tensors = {k: v.detach().cpu().contiguous() for k, v in agent.actor.state_dict().items()}
    data = save_tensors(tensors)
    config = {
        "format": FORMAT,
        "task": task,
        "obs_dim": agent.obs_dim,
        "action_dim": agent.action_dim,
        "hidden": list(agent.config.hidden),
        "action_space": asdict(space),
    }
    return ActorWeights(agent.updates, json.dumps(config), hashlib.sha256(data).hexdigest(), data)


def unpack_actor(weights: ActorWeights) -> tuple[Actor, ActionSpace, dict]:
    """(the actor on the CPU in eval mode, its action space, the config)."""
    data = bytes(weights.data)
    if hashlib.sha256(data).hexdigest() != weights.sha256:
        raise WeightsError(f"weights v{weights.version}: SHA-256 mismatch (corrupt payload)")
    try:
        config = json.loads(weights.config)
        if config.get("format") != FORMAT:
            raise WeightsError(f"weights v{weights.version} are not {FORMAT}")
        space = ActionSpace(ActionSpaceConfig(**config["action_space"]))
        if space.dim != config["action_dim"]:
            raise WeightsError(
                f"action space of {space.dim} dims for a {config['action_dim']}-d actor"
            )
        actor = Actor(config["obs_dim"], config["action_dim"], tuple(config["hidden"]))
        actor.load_state_dict(load_tensors(data))
    except WeightsError:
        raise
    except (ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as error:
        raise WeightsError(f"weights v{weights.version} are unusable: {error}") from error
    return actor.eval(), space, config


class PolicyActor:
    """The newest accepted weights as a command source (no ROS: actor_node wraps it)."""

    def __init__(self):
        self.actor = self.space = self.config = None
        self.version = -1

    @property
    def ready(self) -> bool:
        return self.actor is not None

    def accept(self, weights: ActorWeights) -> bool:
        """Take newer weights (an older or same version is ignored); WeightsError when
        they are corrupt, and then the previous ones stay."""
        if weights.version <= self.version and self.ready:
            return False
        self.actor, self.space, self.config = unpack_actor(weights)
        self.version = weights.version
        return True

    @torch.no_grad()
    def command(self, latent, proprio, explore: bool) -> torch.Tensor:
        """The 7-number command (twist in base_link + gripper 0..1) for one observation."""
        if not self.ready:
            raise RuntimeError("no weights yet")
        obs = torch.as_tensor([*latent, *proprio], dtype=torch.float32)
        if obs.numel() != self.config["obs_dim"]:
            raise ValueError(
                f"observation of {obs.numel()} numbers for a {self.config['obs_dim']}-d actor"
            )
        action, _ = self.actor(obs, deterministic=not explore)
        return self.space.to_command(action.numpy(), gripper_now=float(proprio[-1]))
