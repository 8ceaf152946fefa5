"""Fixtures of the critic's tests."""

import numpy as np
import pytest

from uniintervene_critic.dataset import HUMAN, POLICY, Episode


def synthetic_episode(seed: int, success: bool, n: int = 24) -> Episode:
    """A bright square moves right as progress grows; failed episodes stall half way."""
    rng = np.random.default_rng(seed)
    progress = np.linspace(0, 1, n) if success else np.minimum(np.linspace(0, 1, n), 0.5)
    images = rng.integers(0, 40, (n, 48, 48, 3), dtype=np.uint8)
    for t, p in enumerate(progress):
        x = int(4 + 30 * p)
        images[t, 16:30, x : x + 12] = 230
    sources = np.full(n, POLICY, np.uint8)
    if not success:
        sources[n // 2 : n // 2 + 4] = HUMAN
    return Episode(
        task="wipe",
        seed=seed,
        images=images,
        joint_pos=(rng.normal(size=(n, 6)) * 0.1 + progress[:, None]).astype(np.float32),
        gripper=np.zeros((n, 1), np.float32),
        actions=rng.normal(size=(n, 7)).astype(np.float32) * 0.1,
        sources=sources,
        progress=progress.astype(np.float32),
        warning=np.zeros(n, np.uint8),
        success=success,
    )


@pytest.fixture(scope="session", name="synthetic_episode")
def synthetic_episode_factory():
    """synthetic_episode(seed, success, n=24): small episodes, seconds to train on."""
    return synthetic_episode
