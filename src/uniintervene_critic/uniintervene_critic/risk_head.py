"""The learned temporal value-risk head and its firing rule.

Head: from the recent value history (the last `window` values relative to the newest, and
their steps), the newest value, how full the window is, and the predicted future latent
to a risk in [0, 1]. The latent enters as its distance from the current one (how much
change the executed action is predicted to bring: little in a stall); with
`latent_input: full` the whole predicted latent enters too, which overfit on the
simulated cell's 120 training episodes (calibration F1 0.50 against 0.79). It is trained
on labels mined from the value itself (`mining`), with a class-weighted loss because
unproductive ticks are rare.

Firing rule: `risk.ThresholdTrigger`, as the failure-prediction baseline's, calibrated
the same way (threshold, minimum duration, hysteresis, warm-up).
"""

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from uniintervene_critic.risk import (
    FiringConfig,
    RiskOutput,
    ThresholdTrigger,
    least_squares_slope,
)


@dataclass
class RiskHeadConfig:
    window: int = 20  # ticks of value history
    latent_dim: int = 64
    hidden: int = 64
    latent_input: str = "motion"  # "motion": ||F(z, a) - z|| only; "full": and F(z, a)

    def __post_init__(self):
        if self.latent_input not in ("motion", "full"):
            raise ValueError(f"latent_input must be motion or full, not {self.latent_input!r}")

    @property
    def input_dim(self) -> int:
        return 2 * self.window + 1 + (self.latent_dim if self.latent_input == "full" else 0)


def value_features(values, window: int) -> np.ndarray:
    """Causal per-tick value features (T, 2 * window): the window relative to the newest
    value (the start padded with the first value), its steps, the newest value and the
    share of the window that is real history."""
    values = np.asarray(values, np.float32)
    padded = np.concatenate([np.full(window - 1, values[0], np.float32), values])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)  # (T, window)
    relative = windows[:, :-1] - windows[:, -1:]
    steps = np.diff(windows, axis=1)
    filled = np.minimum(np.arange(1, len(values) + 1), window)[:, None] / window
    return np.concatenate([relative, steps, windows[:, -1:], filled], axis=1).astype(np.float32)


class RiskHead(nn.Module):
    def __init__(self, config: RiskHeadConfig):
        super().__init__()
        self.config = config
        # input standardisation, fitted on the training features: value steps are ~0.01
        self.register_buffer("feature_mean", torch.zeros(config.input_dim))
        self.register_buffer("feature_std", torch.ones(config.input_dim))
        self.net = nn.Sequential(
            nn.Linear(config.input_dim, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, 1),
        )

    def inputs(self, value_feats, latent, future) -> torch.Tensor:
        motion = (future - latent).norm(dim=-1, keepdim=True)
        parts = [value_feats, motion] + ([future] if self.config.latent_input == "full" else [])
        return torch.cat(parts, dim=-1)

    def logits(self, value_feats, latent, future) -> torch.Tensor:
        inputs = self.inputs(value_feats, latent, future)
        return self.net((inputs - self.feature_mean) / self.feature_std).squeeze(-1)

    def forward(self, value_feats, latent, future) -> torch.Tensor:
        return torch.sigmoid(self.logits(value_feats, latent, future))

    @torch.no_grad()
    def episode_risk(self, values, latent, future) -> np.ndarray:
        """Risk per tick of one episode, all ticks at once (what the runtime computes
        tick by tick)."""
        feats = torch.from_numpy(value_features(values, self.config.window))
        return self(feats, latent, future).numpy()


def train_risk_head(
    config: RiskHeadConfig, episodes, epochs: int = 30, seed: int = 0, lr: float = 1e-3
) -> tuple[RiskHead, list[float]]:
    """`episodes`: (values, latent, future, labels) per episode. Positives are weighted by
    negatives / positives (BCE's pos_weight), so a rare class still moves the head."""
    torch.manual_seed(seed)
    feats = torch.cat([torch.from_numpy(value_features(v, config.window)) for v, *_ in episodes])
    latent = torch.cat([e[1] for e in episodes])
    future = torch.cat([e[2] for e in episodes])
    labels = torch.cat([torch.as_tensor(np.asarray(e[3]), dtype=torch.float32) for e in episodes])
    positives = float(labels.sum())
    if positives == 0 or positives == len(labels):
        raise ValueError("risk head: the mined labels are all one class; cannot train on them")
    pos_weight = torch.tensor((len(labels) - positives) / positives)
    head = RiskHead(config)
    with torch.no_grad():
        inputs = head.inputs(feats, latent, future)
        head.feature_mean.copy_(inputs.mean(0))
        head.feature_std.copy_(inputs.std(0).clamp_min(1e-4))
    optimiser = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=1e-3)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=generator)
        epoch = []
        for start in range(0, len(labels), 256):
            idx = order[start : start + 256]
            logits = head.logits(feats[idx], latent[idx], future[idx])
            loss = F.binary_cross_entropy_with_logits(logits, labels[idx], pos_weight=pos_weight)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            epoch.append(loss.item())
        losses.append(float(np.mean(epoch)))
    return head.eval().requires_grad_(False), losses


class LearnedRiskTrigger:
    """The head and its firing rule, one tick at a time (the runtime's trigger)."""

    def __init__(self, head: RiskHead, firing: FiringConfig):
        self.head, self.rule = head, ThresholdTrigger(firing, "learned_risk")
        self.reset()

    def reset(self) -> None:
        self.values = deque(maxlen=self.head.config.window)
        self.rule.reset()

    @torch.no_grad()
    def update(self, value: float, latent: torch.Tensor, future: torch.Tensor) -> RiskOutput:
        if not np.isfinite(value):
            raise ValueError(f"value must be finite, got {value}")
        self.values.append(float(value))
        history = np.array(self.values, np.float32)
        # the newest row of the whole-trace features: it only reads the last `window` values
        feats = value_features(history, self.head.config.window)[-1:]
        fired = self.rule.update(float(self.head(torch.from_numpy(feats), latent, future).item()))
        return RiskOutput(
            fired.risk,
            float(history.mean()),
            least_squares_slope(history, 0.1),
            float(history.max() - history[-1]),
            len(history) - 1 - int(np.argmax(history)),  # ticks since the window's best
            fired.trigger,
            fired.reason,
        )
