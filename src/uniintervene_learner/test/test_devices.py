"""CUDA when present, CPU otherwise, with no path that works on only one: a learner trains
on every device this machine has, and a checkpoint written on one resumes on each of the
others with identical actions (CI has the CPU; the GPU machine runs the CUDA cases)."""

import itertools

import numpy as np
import pytest
import torch

from uniintervene_learner.action_space import ActionSpaceConfig
from uniintervene_learner.learner import Learner, LearnerConfig
from uniintervene_learner.sac import SACConfig
from uniintervene_learner.weights import PolicyActor

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def filled_learner(folder, device) -> Learner:
    config = LearnerConfig(
        latent_dim=6,
        capacity=1000,
        warmup_transitions=10,
        sac=SACConfig(hidden=(32, 32), batch_size=16, seed=4),
        action=ActionSpaceConfig(axes=["x", "y"], gripper=True),
    )
    learner = Learner(folder, config, device=device)
    rng = np.random.default_rng(0)
    for i in range(64):
        learner.store(
            rng.normal(size=13), rng.uniform(-0.1, 0.1, 7), i % 3, float(i % 16 == 15),
            rng.normal(size=13), i % 16 == 15,
        )  # fmt: skip
    return learner


@pytest.mark.parametrize(("trained_on", "resumed_on"), list(itertools.product(DEVICES, DEVICES)))
def test_a_checkpoint_moves_between_devices_and_training_goes_on(tmp_path, trained_on, resumed_on):
    learner = filled_learner(tmp_path, trained_on)
    for _ in range(5):
        metrics = learner.update()
    assert all(np.isfinite(v) for v in metrics.values())
    learner.save()
    obs = np.random.default_rng(1).normal(size=(4, 13)).astype(np.float32)
    before = learner.agent.act(obs, deterministic=True)
    resumed = filled_learner(tmp_path, resumed_on)  # reopens the folder: the checkpoint
    assert resumed.agent.device.type == resumed_on and resumed.updates == 5
    assert np.allclose(resumed.agent.act(obs, deterministic=True), before, atol=1e-5)
    resumed.update()  # optimiser moments restored onto the new device
    assert resumed.updates == 6
    actor = PolicyActor()  # the actor on the robot computer runs on its CPU
    actor.accept(resumed.weights())
    command = actor.command(obs[0, :6], obs[0, 6:], explore=False)
    expected = resumed.space.to_command(resumed.agent.act(obs[:1], deterministic=True)[0])
    assert np.allclose(command, expected, atol=1e-5)
