"""SAC with RLPD, as HiL-SERL trains its policies (no ROS).

Every choice is a `SACConfig` field with HiL-SERL's value as the default:
- a critic ensemble (`num_critics`, 2) of LayerNorm MLPs (256, 256), evaluated as one
  batched matrix product per layer; the target is the minimum over `critic_subsample` (2)
  members, as RLPD's random subset;
- `critic_actor_ratio` (2) critic updates, each on a fresh batch, per actor and
  temperature update (HiL-SERL's cta_ratio): one `update()` is one learner iteration;
- a tanh-squashed Gaussian actor; a learned temperature (initial 0.01, target entropy
  -|A|/2); Adam 3e-4 everywhere; Polyak tau 0.005; discount 0.97; batch 256;
- RLPD's symmetric sampling (`rlpd.sample_symmetric`): half of every batch from the prior
  buffer (demonstrations and every intervention), half from the online buffer.
Deviation: observations are the frozen encoder's latent plus proprioception (a vector),
not images, because the encoder is frozen and shared with the critic (docs/learner.md).
"""

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from uniintervene_common.options import option

LOG_STD_MIN, LOG_STD_MAX = -5.0, 2.0


@dataclass
class SACConfig:
    hidden: tuple = option((256, 256), "MLP widths of the actor and critics")
    num_critics: int = 2
    critic_subsample: int = 2  # members whose minimum is the target (RLPD: a random subset)
    critic_actor_ratio: int = 2  # critic updates per actor update (HiL-SERL's cta_ratio)
    initial_temperature: float = 0.01
    target_entropy_scale: float = 0.5  # target entropy = -scale * |A|
    learning_rate: float = 3e-4
    tau: float = 0.005
    discount: float = 0.97
    batch_size: int = option(256, "transitions per update (half prior, half online)")
    seed: int = 0

    def to_dict(self) -> dict:
        values = asdict(self)
        values["hidden"] = list(self.hidden)
        return values

    @classmethod
    def from_dict(cls, values: dict) -> "SACConfig":
        return cls(**{**values, "hidden": tuple(values["hidden"])})


def mlp(inputs: int, hidden: tuple, outputs: int, layer_norm: bool) -> nn.Sequential:
    layers, width = [], inputs
    for size in hidden:
        layers.append(nn.Linear(width, size))
        if layer_norm:
            layers.append(nn.LayerNorm(size))
        layers.append(nn.ReLU())
        width = size
    layers.append(nn.Linear(width, outputs))
    return nn.Sequential(*layers)


class Actor(nn.Module):
    """A tanh-squashed Gaussian over actions in [-1, 1]^A."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: tuple):
        super().__init__()
        self.net = mlp(obs_dim, hidden, 2 * action_dim, layer_norm=True)

    def forward(self, obs: torch.Tensor, deterministic: bool = False):
        mean, log_std = self.net(obs).chunk(2, dim=-1)
        if deterministic:
            return torch.tanh(mean), None
        log_std = log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)
        normal = torch.distributions.Normal(mean, log_std.exp())
        raw = normal.rsample()
        action = torch.tanh(raw)
        # change of variables for tanh, in the numerically stable form
        log_prob = normal.log_prob(raw) - 2.0 * (np.log(2.0) - raw - F.softplus(-2.0 * raw))
        return action, log_prob.sum(-1)


class CriticEnsemble(nn.Module):
    """`members` LayerNorm MLPs run as one batched product per layer (weights members x in
    x out): a few kernels per layer whatever the ensemble size, not a few per member.
    Each member is initialised as nn.Linear would be."""

    def __init__(self, obs_dim: int, action_dim: int, hidden: tuple, members: int):
        super().__init__()
        self.size = members
        widths = [obs_dim + action_dim, *hidden, 1]
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        self.norm_scales, self.norm_shifts = nn.ParameterList(), nn.ParameterList()
        for layer, (inputs, outputs) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            bound = 1.0 / math.sqrt(inputs)
            self.weights.append(
                nn.Parameter(torch.empty(members, inputs, outputs).uniform_(-bound, bound))
            )
            self.biases.append(
                nn.Parameter(torch.empty(members, 1, outputs).uniform_(-bound, bound))
            )
            if layer < len(hidden):
                self.norm_scales.append(nn.Parameter(torch.ones(members, 1, outputs)))
                self.norm_shifts.append(nn.Parameter(torch.zeros(members, 1, outputs)))

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """(members, batch) Q-values."""
        x = torch.cat([obs, action], -1)
        h = x.unsqueeze(0).expand(self.size, *x.shape)
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = torch.baddbmm(bias, h, weight)
            if layer < len(self.norm_scales):
                h = (
                    F.layer_norm(h, h.shape[-1:]) * self.norm_scales[layer]
                    + self.norm_shifts[layer]
                )
                h = F.relu(h)
        return h.squeeze(-1)


class SACAgent:
    """Actor, critic ensemble, target critics and temperature, with their optimisers."""

    def __init__(self, obs_dim: int, action_dim: int, config: SACConfig | None = None, device=None):
        self.config = c = config or SACConfig()
        self.obs_dim, self.action_dim = obs_dim, action_dim
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        torch.manual_seed(c.seed)
        self.generator = torch.Generator(device="cpu").manual_seed(c.seed)
        self.actor = Actor(obs_dim, action_dim, c.hidden).to(self.device)
        self.critic = CriticEnsemble(obs_dim, action_dim, c.hidden, c.num_critics).to(self.device)
        self.target = CriticEnsemble(obs_dim, action_dim, c.hidden, c.num_critics).to(self.device)
        self.target.load_state_dict(self.critic.state_dict())
        self.target.requires_grad_(False)
        self.log_temperature = torch.tensor(
            np.log(c.initial_temperature), device=self.device, requires_grad=True
        )
        self.target_entropy = -c.target_entropy_scale * action_dim
        self.actor_optimiser = torch.optim.Adam(self.actor.parameters(), c.learning_rate)
        self.critic_optimiser = torch.optim.Adam(self.critic.parameters(), c.learning_rate)
        self.temperature_optimiser = torch.optim.Adam([self.log_temperature], c.learning_rate)
        self.updates = 0

    @property
    def temperature(self) -> torch.Tensor:
        """alpha, without gradient (only its loss trains log_temperature)."""
        return self.log_temperature.detach().exp()

    @torch.no_grad()
    def act(self, obs, deterministic: bool = False) -> np.ndarray:
        """Actions in [-1, 1] for one observation (or a batch)."""
        obs = torch.as_tensor(np.asarray(obs, np.float32), device=self.device)
        action, _ = self.actor(obs, deterministic)
        return action.cpu().numpy()

    @property
    def rows_per_update(self) -> int:
        """Transitions one `update()` takes: a batch per critic update."""
        return self.config.batch_size * self.config.critic_actor_ratio

    def update(self, batch: dict) -> dict:
        """One learner iteration: `critic_actor_ratio` critic steps, each on its own
        `batch_size` rows of `batch`, then one actor and temperature step on the last;
        returns their losses."""
        c = self.config
        rows = len(batch["reward"])
        if rows != self.rows_per_update:
            raise ValueError(f"update takes {self.rows_per_update} rows, got {rows}")
        b = {k: torch.as_tensor(v, device=self.device) for k, v in batch.items()}
        for start in range(0, rows, c.batch_size):
            chunk = {k: v[start : start + c.batch_size] for k, v in b.items()}
            critic_loss, q = self.update_critic(chunk)
        obs = chunk["obs"]
        actor_metrics = self.update_actor(obs)
        self.updates += 1
        return {"critic_loss": critic_loss, "q": q, **actor_metrics}

    def update_critic(self, b: dict) -> tuple[float, float]:
        c = self.config
        obs, action, reward = b["obs"], b["action"], b["reward"]
        next_obs, done = b["next_obs"], b["done"]
        with torch.no_grad():
            next_action, next_log_prob = self.actor(next_obs)
            members = torch.randperm(c.num_critics, generator=self.generator)
            chosen = members[: c.critic_subsample].to(self.device)
            next_q = self.target(next_obs, next_action)[chosen].min(0).values
            # the entropy bonus of SAC's soft target
            next_q = next_q - self.temperature * next_log_prob
            target = reward + c.discount * (1.0 - done) * next_q
        q = self.critic(obs, action)
        critic_loss = F.mse_loss(q, target.expand_as(q))
        self.critic_optimiser.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimiser.step()
        with torch.no_grad():
            for target_param, param in zip(
                self.target.parameters(), self.critic.parameters(), strict=True
            ):
                target_param.lerp_(param, c.tau)
        return float(critic_loss.detach()), float(q.detach().mean())

    def update_actor(self, obs: torch.Tensor) -> dict:
        new_action, log_prob = self.actor(obs)
        q_new = self.critic(obs, new_action).mean(0)
        actor_loss = (self.temperature * log_prob - q_new).mean()
        self.actor_optimiser.zero_grad(set_to_none=True)
        actor_loss.backward()
        self.actor_optimiser.step()

        temperature_loss = -(
            self.log_temperature * (log_prob.detach() + self.target_entropy)
        ).mean()
        self.temperature_optimiser.zero_grad(set_to_none=True)
        temperature_loss.backward()
        self.temperature_optimiser.step()
        return {
            "actor_loss": float(actor_loss.detach()),
            "temperature": float(self.temperature),
            "entropy": float(-log_prob.detach().mean()),
        }
