"""Build the memory and train the recovery policy from recorded episodes (+ a critic)."""

import pathlib

import numpy as np
import torch

from uniintervene_critic.dataset import HUMAN, RECOVERY, Episode
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.train import TrainConfig, episode_tensors
from uniintervene_recovery.memory import InterventionMemory, Segment


def corrective_segments(episode: Episode, sources=(HUMAN, RECOVERY), min_length: int = 3):
    """(start, end) tick ranges of consecutive human or recovery control."""
    active = np.isin(episode.sources, sources)
    edges = np.flatnonzero(np.diff(np.r_[0, active.astype(int), 0]))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_length]


@torch.no_grad()
def critic_view(episode: Episode, critic: CriticBundle):
    """Latents and state values of an episode exactly as critic_node would publish them."""
    config = TrainConfig(
        image_size=critic.config.image_size,
        horizon=critic.config.horizon,
        views=critic.config.views,
    )
    tensors = episode_tensors(episode, critic.encoder, config, critic.config.latent_scale)
    return tensors["latent"].numpy(), critic.model.value(tensors["latent"]).numpy()


def build_memory(episodes, critic: CriticBundle, min_improvement: float = 0.02):
    """Entries: corrections whose end value beat their start value; plus their segments."""
    memory = InterventionMemory(critic.config.latent_dim, encoder=critic.config.encoder)
    segments = []
    for episode in episodes:
        latents, values = critic_view(episode, critic)
        for start, end in corrective_segments(episode):
            last = end - 1
            segment = Segment(
                latents[start:end], episode.proprio[start:end], episode.actions[start:end]
            )
            segments.append(segment)
            if values[last] >= values[start] + min_improvement:
                memory.add(
                    latents[last],
                    float(values[last]),
                    episode.task,
                    f"{episode.task}_{episode.seed}",
                    last * 0.1,
                    segment,
                )
    return memory, segments


def plot_history(path: pathlib.Path, history) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from uniintervene_common.atomic import atomic_write

    figure, axis = plt.subplots(figsize=(6, 3.6))
    axis.plot(history["train_loss"], label="train action MSE")
    axis.plot(history["test_action_mse"], label="held-out action MSE")
    axis.set(title="goal-conditioned recovery policy", xlabel="epoch", yscale="log")
    axis.legend()
    figure.tight_layout()
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=110))
    plt.close(figure)
