"""Two camera views: the episodes carry the scene camera, the critic embeds both with one
encoder and concatenates them (wrist first), the runtime pairs them per tick, and a
one-camera critic still works."""

from dataclasses import replace

import numpy as np
import pytest

from uniintervene_critic.dataset import load_episode, save_episode
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_critic.train import TrainConfig, episode_tensors, train_critic
from uniintervene_critic.views import views_of


def two_view(episode, seed):
    """The same episode seen by a second camera: the square moves down, not right."""
    scene = np.transpose(episode.images, (0, 2, 1, 3)).copy()
    scene[..., 0] = np.random.default_rng(seed).integers(0, 40, scene.shape[:3])
    return replace(episode, scene_images=scene)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, synthetic_episode):
    episodes = [two_view(synthetic_episode(i, i % 3 != 2), i) for i in range(6)]
    out = tmp_path_factory.mktemp("two_view_critic")
    config = TrainConfig(
        latent_dim=16, image_size=32, autoencoder_epochs=2, value_epochs=3, batch_size=64
    )
    report = train_critic(episodes, out, config, progress=False)
    return out, report, episodes


def test_episodes_keep_the_scene_view_and_old_ones_load_without_it(tmp_path, synthetic_episode):
    episode = two_view(synthetic_episode(0, True, n=6), 0)
    save_episode(episode, tmp_path / "two.safetensors")
    loaded = load_episode(tmp_path / "two.safetensors")
    assert np.array_equal(loaded.scene_images, episode.scene_images)
    save_episode(replace(episode, scene_images=None), tmp_path / "one.safetensors")
    assert load_episode(tmp_path / "one.safetensors").scene_images is None
    with pytest.raises(ValueError, match="2 of 3 episodes have a scene camera"):
        views_of([episode, episode, replace(episode, scene_images=None)])


def test_the_critic_embeds_both_views_and_the_runtime_pairs_them(trained):
    out, _, episodes = trained
    bundle = CriticBundle.load(out)
    assert bundle.config.views == 2 and bundle.config.latent_dim == 2 * 16
    episode = episodes[0]
    config = TrainConfig(image_size=32, horizon=bundle.config.horizon, views=2)
    expected = episode_tensors(episode, bundle.encoder, config, bundle.config.latent_scale)
    runtime = CriticRuntime(bundle)
    for t in range(len(episode)):
        step = runtime.step(
            episode.images[t], episode.proprio[t], episode.actions[t], episode.scene_images[t]
        )
        assert np.allclose(step.latent, expected["latent"][t].numpy(), atol=1e-5), t
    # each half is one view: the wrist half does not change with the scene frame
    runtime.reset()
    a = runtime.step(episode.images[3], episode.proprio[3], np.zeros(7), episode.scene_images[3])
    runtime.reset()
    b = runtime.step(episode.images[3], episode.proprio[3], np.zeros(7), episode.scene_images[9])
    assert np.allclose(a.latent[:16], b.latent[:16]) and not np.allclose(
        a.latent[16:], b.latent[16:]
    )
    with pytest.raises(ValueError, match="no scene image"):
        runtime.step(episode.images[0], episode.proprio[0], np.zeros(7))
    with pytest.raises(ValueError, match="uint8"):
        runtime.step(episode.images[0], episode.proprio[0], np.zeros(7), np.zeros((32, 32)))


def test_a_one_camera_critic_ignores_the_scene_view(trained, tmp_path):
    _, _, episodes = trained
    one_view = [replace(e, scene_images=None) for e in episodes]
    config = TrainConfig(latent_dim=16, image_size=32, autoencoder_epochs=1, value_epochs=1)
    train_critic(one_view, tmp_path, config, progress=False)
    bundle = CriticBundle.load(tmp_path)
    assert bundle.config.views == 1 and bundle.config.latent_dim == 16
    runtime = CriticRuntime(bundle)
    e = episodes[0]
    with_scene = runtime.step(e.images[0], e.proprio[0], np.zeros(7), e.scene_images[0])
    runtime.reset()
    without = runtime.step(e.images[0], e.proprio[0], np.zeros(7))
    assert np.allclose(with_scene.latent, without.latent)
