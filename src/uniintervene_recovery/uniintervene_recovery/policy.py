"""Goal-conditioned recovery policy pi_r(a | z_t, z_goal, proprio_t): how to get there.

Trained by behaviour cloning on intervention segments (the corrections people made) with
hindsight goal relabelling: for a tick t of a segment, the goal is the latent of a later
tick of the same segment (sampled), so every segment teaches "from here, this action
heads to there". With probability `goal_dropout` the goal is zeroed during training, so
the same network also serves the "w/o memory goal" ablation (conditioned on no goal).
The squared error of each action dimension is divided by that dimension's variance in the
training data (`standardise_loss`): in raw units the gripper (0 or 1) outweighs the
translation (a few cm/s) about a hundredfold, and the policy learned the gripper and
barely where to go. Saved as safetensors + JSON config, atomically.
"""

import json
import pathlib
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from uniintervene_common.atomic import atomic_write
from uniintervene_critic.model import ModelFileError

LINEAR_LIMIT, ANGULAR_LIMIT = 0.25, 1.0  # m/s, rad/s: the action's range (sim/servo limits)
MIN_ACTION_STD = 0.01  # a dimension the data never moves is not weighted beyond this
VERSION = 1


@dataclass
class PolicyConfig:
    latent_dim: int = 64
    proprio_dim: int = 7
    action_dim: int = 7
    hidden: int = 256
    goal_dropout: float = 0.2
    standardise_loss: bool = True  # each action dimension's error over its data variance
    metrics: dict = field(default_factory=dict)


class RecoveryPolicy(nn.Module):
    def __init__(self, config: PolicyConfig):
        super().__init__()
        self.config = config
        c = config
        self.net = nn.Sequential(
            nn.Linear(2 * c.latent_dim + c.proprio_dim, c.hidden),
            nn.GELU(),
            nn.Linear(c.hidden, c.hidden),
            nn.GELU(),
            nn.Linear(c.hidden, c.action_dim),
        )
        scale = torch.tensor([LINEAR_LIMIT] * 3 + [ANGULAR_LIMIT] * 3)
        self.register_buffer("twist_scale", scale, persistent=False)

    def forward(self, latent, goal, proprio) -> torch.Tensor:
        """Twist within the limits (tanh-scaled) and gripper in [0, 1] (sigmoid)."""
        out = self.net(torch.cat([latent, goal - latent, proprio], dim=-1))
        twist = torch.tanh(out[..., :6]) * self.twist_scale
        return torch.cat([twist, torch.sigmoid(out[..., 6:])], dim=-1)

    @torch.no_grad()
    def act(self, latent, goal, proprio) -> np.ndarray:
        as_row = lambda x: torch.as_tensor(np.asarray(x, np.float32)).view(1, -1)  # noqa: E731
        return self.forward(as_row(latent), as_row(goal), as_row(proprio))[0].numpy()

    def save(self, directory) -> None:
        directory = pathlib.Path(directory)
        tensors = {k: v.contiguous() for k, v in self.state_dict().items()}
        atomic_write(directory / "recovery_policy.safetensors", lambda t: save_file(tensors, t))
        config = {"version": VERSION, **asdict(self.config)}
        atomic_write(
            directory / "recovery_policy.json",
            lambda t: pathlib.Path(t).write_text(json.dumps(config, indent=2)),
        )

    @classmethod
    def load(cls, directory) -> "RecoveryPolicy":
        directory = pathlib.Path(directory)
        try:
            raw = json.loads((directory / "recovery_policy.json").read_text())
            if raw.pop("version", None) != VERSION:
                raise ModelFileError(f"{directory}: recovery policy version is not {VERSION}")
            policy = cls(PolicyConfig(**raw))
            policy.load_state_dict(load_file(str(directory / "recovery_policy.safetensors")))
        except FileNotFoundError as error:
            raise ModelFileError(f"no recovery policy at {directory}: {error.filename}") from error
        except (
            json.JSONDecodeError,
            UnicodeDecodeError,
            SafetensorError,
            OSError,
            TypeError,
            RuntimeError,
        ) as error:
            raise ModelFileError(f"recovery policy at {directory} is unusable: {error}") from error
        return policy.eval()


def relabelled_samples(segments, rng: np.random.Generator, per_tick: int = 2):
    """(latent, goal, proprio, action) rows with goals sampled from later in each segment."""
    rows = {"latent": [], "goal": [], "proprio": [], "action": []}
    for segment in segments:
        n = len(segment.actions)
        for t in range(n - 1):
            for _ in range(per_tick):
                future = rng.integers(t + 1, n)
                rows["latent"].append(segment.latents[t])
                rows["goal"].append(segment.latents[future])
                rows["proprio"].append(segment.proprio[t])
                rows["action"].append(segment.actions[t])
    if not rows["action"]:
        raise ValueError("no intervention segments with at least 2 ticks to learn from")
    return {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in rows.items()}


def action_weights(actions: torch.Tensor, standardise: bool = True) -> torch.Tensor:
    """Per action dimension, the loss weight: 1 / its variance in `actions` (or all ones)."""
    if not standardise:
        return torch.ones(actions.shape[-1])
    return 1.0 / actions.var(0).clamp_min(MIN_ACTION_STD**2)


def action_loss(policy, batch: dict, goal, weights: torch.Tensor) -> torch.Tensor:
    """The weighted mean squared error of the policy's action on a batch."""
    error = policy(batch["latent"], goal, batch["proprio"]) - batch["action"]
    return (error.square() * weights).mean()


def action_error(policy, data, drop_goal: bool = False) -> float:
    """Unweighted action MSE (the metric, comparable across weightings)."""
    with torch.no_grad():
        goal = torch.zeros_like(data["goal"]) if drop_goal else data["goal"]
        return F.mse_loss(policy(data["latent"], goal, data["proprio"]), data["action"]).item()


def train_policy(
    train_segments,
    test_segments,
    config: PolicyConfig,
    epochs: int = 60,
    seed: int = 0,
    batch_size: int = 256,
    progress: bool = True,
):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train, test = relabelled_samples(train_segments, rng), relabelled_samples(test_segments, rng)
    policy = RecoveryPolicy(config)
    optimiser = torch.optim.AdamW(policy.parameters(), lr=1e-3, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(seed)
    history = {"train_loss": [], "test_action_mse": []}
    n = len(train["action"])
    weights = action_weights(train["action"], config.standardise_loss)
    for _ in tqdm(range(epochs), desc="recovery policy", disable=not progress):
        policy.train()
        order = torch.randperm(n, generator=generator)
        losses = []
        for start in range(0, n, batch_size):
            batch = {k: v[order[start : start + batch_size]] for k, v in train.items()}
            drop = torch.rand(len(batch["goal"]), 1, generator=generator) < config.goal_dropout
            goal = torch.where(drop, torch.zeros_like(batch["goal"]), batch["goal"])
            loss = action_loss(policy, batch, goal, weights)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        policy.eval()
        history["train_loss"].append(float(np.mean(losses)))
        history["test_action_mse"].append(action_error(policy, test))
    mean_action = train["action"].mean(0, keepdim=True)
    metrics = {
        "test_action_mse": history["test_action_mse"][-1],
        "test_action_mse_without_goal": action_error(policy, test, drop_goal=True),
        "test_action_mse_mean_baseline": F.mse_loss(
            mean_action.expand_as(test["action"]), test["action"]
        ).item(),
        "train_samples": n,
        "test_samples": len(test["action"]),
    }
    config.metrics = metrics
    return policy, history
