"""The Gymnasium environment over the cell."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from uniintervene_sim.gym_env import ENV_ID, UR7eCellEnv
from uniintervene_sim.model import CameraConfig


def test_passes_gymnasiums_env_checker():
    env = UR7eCellEnv("ram_insertion", camera=CameraConfig(width=64, height=48))
    check_env(env, skip_render_check=True)
    observation, info = env.reset(seed=0)
    assert observation["image"].shape == (48, 64, 3)
    assert info["task_status"].progress >= 0.0


def test_registered_and_deterministic_for_a_seed():
    env = gym.make(ENV_ID, task="wipe", camera=CameraConfig(width=32, height=32))
    a, _ = env.reset(seed=5)
    b, _ = env.reset(seed=5)
    assert all(np.array_equal(a[key], b[key]) for key in a)
    env.close()


def test_episode_terminates_on_success_with_sparse_reward():
    env = UR7eCellEnv("tube_insertion", render_images=False)
    env.reset(seed=2)
    rewards = []
    for _ in range(250):
        action = env.cell.task.expert(env.cell.scene())
        _, reward, terminated, truncated, info = env.step(action)
        rewards.append(reward)
        if terminated or truncated:
            break
    assert terminated and info["task_status"].success
    assert rewards[-1] == 1.0 and sum(rewards) == 1.0


def test_truncates_at_the_task_time_limit_and_task_switch_by_option():
    env = UR7eCellEnv("pick_eggplant", render_images=False)
    env.reset(seed=0, options={"task": "ram_insertion"})
    assert env.task == "ram_insertion"
    steps = 0
    while True:
        _, _, terminated, truncated, _ = env.step(np.array([0, 0, 0, 0, 0, 0, 1.0]))
        steps += 1
        if terminated or truncated:
            break
    assert truncated and not terminated
    assert steps == pytest.approx(env.cell.task.episode_seconds / 0.1)
