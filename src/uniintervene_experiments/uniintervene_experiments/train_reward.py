"""`uniintervene train-reward`: HiL-SERL's reward classifier for the real cell, trained on
labelled episodes (`uniintervene import` of the cell's recordings, each with its outcome)
through the critic's frozen encoder, saved where reward_node loads it."""

import pathlib

import numpy as np
from tqdm import tqdm

from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.views import encode_views, episode_views
from uniintervene_learner.reward import RewardClassifier, RewardConfig, train_reward_classifier


def encode_episode(bundle: CriticBundle, episode) -> np.ndarray:
    """An episode's latents exactly as critic_node publishes them (reward_node's input):
    the encoder's window per tick (a clip for V-JEPA 2) of every camera the critic embeds,
    divided by the bundle's scale."""
    views = episode_views(episode, bundle.config.views)
    latents = encode_views(bundle.encoder, views) / bundle.config.latent_scale
    return latents.numpy().astype(np.float32)


def train_reward(
    episodes_dir, models, out, config: RewardConfig | None = None, steps=2000, seed=0
) -> RewardClassifier:
    bundle = CriticBundle.load(pathlib.Path(models) / "critic")
    episodes = load_episodes(episodes_dir)
    if not episodes:
        raise FileNotFoundError(f"no episode files in {episodes_dir} (uniintervene import first)")
    config = config or RewardConfig()
    config.latent_dim = bundle.config.latent_dim
    data = [
        (encode_episode(bundle, episode), episode.success)
        for episode in tqdm(episodes, desc="encoding episodes")
    ]
    classifier = train_reward_classifier(data, config, steps=steps, seed=seed)
    classifier.save(out)
    return classifier


def train_reward_from_cli(args) -> int:
    config = RewardConfig(
        positive_ticks=args.positive_ticks,
        margin_ticks=args.margin_ticks,
        threshold=args.threshold,
        consecutive=args.consecutive,
    )
    classifier = train_reward(args.episodes, args.models, args.out, config, args.steps, args.seed)
    metrics = classifier.config.metrics
    held_out = (
        f"held-out precision {metrics['validation_precision']:.2f}, recall "
        f"{metrics['validation_recall']:.2f} on {metrics['validation_frames']} frames"
        if "validation_frames" in metrics
        else "no held-out episodes (fewer than 4)"
    )
    print(
        f"reward classifier: {metrics['train_positive']} positive of {metrics['train_frames']} "
        f"training frames; {held_out}; saved to {args.out}"
    )
    return 0
