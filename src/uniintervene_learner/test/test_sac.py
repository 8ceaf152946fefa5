"""SAC with RLPD learns: a point mass must reach a goal region for a sparse reward (1 on
arrival, then the episode ends), from a few scripted demonstrations in the prior buffer
and its own online experience. A broken critic, actor, temperature or sampling fails it."""

import numpy as np
import pytest

from uniintervene_learner.buffer import TransitionBuffer, sample_symmetric
from uniintervene_learner.sac import SACAgent, SACConfig

HORIZON, SPEED, GOAL_RADIUS = 25, 0.15, 0.15


class PointMass:
    """2-D position in [-1, 1]^2, action = velocity direction in [-1, 1]^2."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def reset(self) -> np.ndarray:
        angle = self.rng.uniform(0, 2 * np.pi)
        self.position = 0.8 * np.array([np.cos(angle), np.sin(angle)])
        self.t = 0
        return self.position.astype(np.float32)

    def step(self, action):
        self.position = np.clip(self.position + SPEED * np.clip(action, -1, 1), -1, 1)
        self.t += 1
        success = np.linalg.norm(self.position) < GOAL_RADIUS
        return self.position.astype(np.float32), float(success), success, self.t >= HORIZON


def expert(obs) -> np.ndarray:
    return -obs / max(np.linalg.norm(obs), 1e-6)


def success_rate(agent, episodes: int = 20, seed: int = 1000) -> float:
    env, wins = PointMass(seed), 0
    for _ in range(episodes):
        obs, done, truncated = env.reset(), False, False
        while not (done or truncated):
            obs, _, done, truncated = env.step(agent.act(obs, deterministic=True))
        wins += done
    return wins / episodes


@pytest.mark.parametrize("seed", [0, 1])
def test_rlpd_learns_a_sparse_reaching_task_from_demonstrations(tmp_path, seed):
    # measured: 100 % on both seeds; without updates 0 %; without the demonstrations one
    # of the two seeds stays at 5 % within the same 2000 steps
    config = SACConfig(hidden=(64, 64), batch_size=128, seed=seed)
    agent = SACAgent(2, 2, config, device="cpu")
    prior = TransitionBuffer(tmp_path / "prior", 2, 2, 5_000)
    online = TransitionBuffer(tmp_path / "online", 2, 2, 20_000)
    env, rng = PointMass(seed), np.random.default_rng(seed)
    for _ in range(10):  # scripted demonstrations
        obs, done, truncated = env.reset(), False, False
        while not (done or truncated):
            action = expert(obs)
            next_obs, reward, done, truncated = env.step(action)
            prior.add(obs, action, reward, next_obs, done)
            obs = next_obs
    before = success_rate(agent)
    obs = env.reset()
    for _ in range(2_000):
        action = agent.act(obs)
        next_obs, reward, done, truncated = env.step(action)
        online.add(obs, action, reward, next_obs, done)
        obs = env.reset() if done or truncated else next_obs
        agent.update(
            sample_symmetric(prior, online, agent.rows_per_update, rng, config.critic_actor_ratio)
        )
    after = success_rate(agent)
    assert before <= 0.2 and after >= 0.9, (before, after)
    assert agent.updates == 2_000 and 0 < float(agent.temperature) < 1.0
