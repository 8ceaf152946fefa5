"""The failure-prediction baseline (as FA-RL): a classifier of imminent failure.

From the frozen latent and proprioception it predicts whether the episode is about to need
a rescue: a human takeover starts, or the task fails, within the next `horizon` ticks
(labels from what happened in the recording, not from privileged progress). It fires when
the probability stays above a threshold calibrated like the value-risk critic's, so the
three systems of the paper's table differ only in what fires the trigger.
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from uniintervene_critic.dataset import HUMAN, Episode
from uniintervene_critic.risk import FiringConfig, ThresholdTrigger


def imminent_failure_labels(episode: Episode, horizon: int = 15) -> np.ndarray:
    human = episode.sources == HUMAN
    takeovers = np.flatnonzero(human & ~np.r_[False, human[:-1]])
    labels = np.zeros(len(episode), np.float32)
    for start in takeovers:
        labels[max(0, start - horizon) : start] = 1.0
    if not episode.success and episode.failure_reason:
        labels[max(0, len(episode) - horizon) :] = 1.0
    labels[human] = 0.0  # the human already drives: nothing left to predict
    return labels


class FailurePredictor(nn.Module):
    def __init__(self, latent_dim: int, proprio_dim: int = 7, hidden: int = 128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim + proprio_dim, hidden),
            nn.GELU(),
            nn.Linear(hidden, hidden),
            nn.GELU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, latent, proprio) -> torch.Tensor:
        """Probability of imminent failure."""
        return torch.sigmoid(self.net(torch.cat([latent, proprio], -1))).squeeze(-1)


def train_failure_predictor(latent, proprio, labels, epochs: int = 30, seed: int = 0):
    torch.manual_seed(seed)
    model = FailurePredictor(latent.shape[1], proprio.shape[1])
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    positive = float(labels.mean().clamp(1e-3, 0.999))
    weight = torch.where(labels > 0.5, 0.5 / positive, 0.5 / (1 - positive))
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), 256):
            idx = order[start : start + 256]
            loss = F.binary_cross_entropy(
                model(latent[idx], proprio[idx]), labels[idx], weight=weight[idx]
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model.eval()


# Stored in critic.json as `failure_trigger`; the same fields as the learned head's rule.
FailureTriggerConfig = FiringConfig


class FailureTrigger(ThresholdTrigger):
    """Fires when the failure probability stays at or above threshold for min_duration."""

    def __init__(self, config: FiringConfig | None = None):
        super().__init__(config, "predicted_failure")
