"""Camera views: the wrist camera (always) and the scene camera (where the cell has one).

The critic embeds every view with the same frozen encoder and concatenates the latents,
wrist first: the joint latent is what the value model, the recovery policy, the memory
and the learner see, so `CriticConfig.latent_dim` is views x the encoder's size. One
camera still works: a one-view critic ignores a second camera; a two-view critic refuses
to run without it.
"""

import numpy as np
import torch

MAX_VIEWS = 2


def camera_mount(views: int) -> str:
    """The simulated cell's camera_mount that gives a `views`-view critic its images."""
    return "both" if views == MAX_VIEWS else "wrist"


def views_of(episodes) -> int:
    """2 when every episode has the scene camera's images, 1 when none has; mixed is an
    error (a two-view critic could not run on the others)."""
    with_scene = [e.scene_images is not None for e in episodes]
    if all(with_scene):
        return 2
    if any(with_scene):
        raise ValueError(
            f"{sum(with_scene)} of {len(episodes)} episodes have a scene camera view: "
            "train on episodes recorded with the same cameras"
        )
    return 1


def episode_views(episode, views: int) -> list[np.ndarray]:
    """The image sequences a `views`-view critic encodes, wrist first."""
    if views == 1:
        return [episode.images]
    if views != MAX_VIEWS:
        raise ValueError(f"views must be 1 or 2, got {views}")
    if episode.scene_images is None:
        raise ValueError(
            f"episode {episode.task} seed {episode.seed} has no scene camera images; "
            "this critic uses the wrist and the scene camera"
        )
    return [episode.images, episode.scene_images]


def encode_views(encoder, views: list[np.ndarray]) -> torch.Tensor:
    """Per-view episode latents (T, d) each -> the joint latent (T, views * d)."""
    return torch.cat([encoder.encode_episode(images) for images in views], dim=-1)
