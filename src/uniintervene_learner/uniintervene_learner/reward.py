"""HiL-SERL's reward classifier on the real cell: P(success) from the frozen encoder's
latent of a camera frame, so the learner gets its sparse reward without a simulator.

Labels come from labelled episodes (recordings imported with their outcomes): the last
`positive_ticks` frames of each successful episode show the goal reached (positive);
every frame of a failed episode, and the frames of a successful one before its last
`positive_ticks + margin_ticks`, do not (negative); the `margin_ticks` in between are
ambiguous and left out. At run time `SuccessDetector` declares success once the
probability stays above `threshold` for `consecutive` frames (one noisy frame never ends
an episode). Saved as safetensors + JSON config, atomically; no pickle.
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

from uniintervene_common.atomic import atomic_write

VERSION = 1


class RewardModelError(ValueError):
    """A reward classifier folder is missing, corrupt or of another version."""


@dataclass
class RewardConfig:
    latent_dim: int = 64
    hidden: int = 128
    positive_ticks: int = 5  # the last ticks of a successful episode: the goal reached
    margin_ticks: int = 10  # ticks before those, left out (nearly there)
    threshold: float = 0.5
    consecutive: int = 3
    metrics: dict = field(default_factory=dict)


class RewardClassifier(nn.Module):
    def __init__(self, config: RewardConfig):
        super().__init__()
        self.config = config
        self.net = nn.Sequential(
            nn.Linear(config.latent_dim, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, 1),
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        """Logits of success, one per latent."""
        return self.net(latent).squeeze(-1)

    @torch.no_grad()
    def probability(self, latent) -> float:
        x = torch.as_tensor(np.asarray(latent, np.float32)).view(1, -1)
        return float(torch.sigmoid(self.forward(x))[0])

    def save(self, directory) -> None:
        directory = pathlib.Path(directory)
        tensors = {k: v.contiguous() for k, v in self.state_dict().items()}
        atomic_write(directory / "reward.safetensors", lambda t: save_file(tensors, t))
        text = json.dumps({"version": VERSION, **asdict(self.config)}, indent=2)
        atomic_write(directory / "reward.json", lambda t: pathlib.Path(t).write_text(text))

    @classmethod
    def load(cls, directory) -> "RewardClassifier":
        directory = pathlib.Path(directory)
        try:
            raw = json.loads((directory / "reward.json").read_text())
            if raw.pop("version", None) != VERSION:
                raise RewardModelError(f"{directory}/reward.json is not version {VERSION}")
            model = cls(RewardConfig(**raw))
            model.load_state_dict(load_file(str(directory / "reward.safetensors")))
        except RewardModelError:
            raise
        except (OSError, ValueError, TypeError, KeyError, RuntimeError, SafetensorError) as error:
            raise RewardModelError(
                f"no usable reward classifier in {directory}: {error}"
            ) from error
        return model.eval()


def frame_labels(length: int, success: bool, config: RewardConfig) -> np.ndarray:
    """Per frame: 1 positive, 0 negative, -1 left out."""
    labels = np.zeros(length, np.int8)
    if success:
        positive = min(config.positive_ticks, length)
        labels[length - positive :] = 1
        labels[max(0, length - positive - config.margin_ticks) : length - positive] = -1
    return labels


def train_reward_classifier(
    episodes: list[tuple[np.ndarray, bool]],
    config: RewardConfig,
    steps: int = 2000,
    seed: int = 0,
    validation: float = 0.25,
) -> RewardClassifier:
    """episodes: (latents T x D, success) each. Every fourth episode (by order) is held out
    for the precision/recall in config.metrics; positives are weighted up to balance."""
    torch.manual_seed(seed)
    split = {"train": ([], []), "validation": ([], [])}
    for index, (latents, success) in enumerate(episodes):
        part = "validation" if validation and index % round(1 / validation) == 3 else "train"
        labels = frame_labels(len(latents), success, config)
        keep = labels >= 0
        split[part][0].append(np.asarray(latents, np.float32)[keep])
        split[part][1].append(labels[keep].astype(np.float32))
    x, y = (torch.as_tensor(np.concatenate(a)) for a in split["train"])
    if y.sum() == 0 or y.sum() == len(y):
        raise ValueError("reward training needs successful and failed (or earlier) frames")
    model = RewardClassifier(config)
    optimiser = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay=1e-4)
    weight = (len(y) - y.sum()) / y.sum()
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        batch = torch.randint(0, len(y), (128,), generator=generator)
        loss = F.binary_cross_entropy_with_logits(model(x[batch]), y[batch], pos_weight=weight)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    metrics = {"train_frames": len(y), "train_positive": int(y.sum())}
    if split["validation"][0]:
        vx, vy = (torch.as_tensor(np.concatenate(a)) for a in split["validation"])
        with torch.no_grad():
            predicted = torch.sigmoid(model(vx)) > config.threshold
        truth = vy > 0.5
        hits = int((predicted & truth).sum())
        metrics |= {
            "validation_frames": len(vy),
            "validation_accuracy": float((predicted == truth).float().mean()),
            "validation_precision": hits / max(int(predicted.sum()), 1),
            "validation_recall": hits / max(int(truth.sum()), 1),
        }
    config.metrics = metrics
    return model


class SuccessDetector:
    """Success once P(success) > threshold for `consecutive` frames in a row."""

    def __init__(self, classifier: RewardClassifier):
        self.classifier, self.run = classifier, 0
        self.probability = 0.0

    def reset(self) -> None:
        self.run = 0

    def step(self, latent) -> bool:
        c = self.classifier.config
        self.probability = self.classifier.probability(latent)
        self.run = self.run + 1 if self.probability > c.threshold else 0
        return self.run >= c.consecutive
