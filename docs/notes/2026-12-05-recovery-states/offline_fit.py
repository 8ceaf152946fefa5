"""Offline: how well do predictors of the operator's action do on held-out corrections?

  python offline_fit.py memory RUN/recovery/memory.safetensors TASK
      the run's remembered correction segments (latents, joints, executed twist), in
      memory order: the first 70 % train, the rest test; recovery-policy variants (raw or
      standardised loss, own hindsight goal or none) and k nearest neighbours
  python offline_fit.py prior RUN
      a HiL-SERL run's prior buffer (its demonstrations, then every human tick, in the
      learner's action space): MLPs on human ticks or demos + human ticks, k nearest
      neighbours, and the run's SAC actor (greedy), on the last 30 % of human ticks
Prints the mean cosine between predicted and executed translation, the median speed
ratio and the gripper's agreement.
"""

import json
import sys

import numpy as np
import torch
from torch import nn

from uniintervene_learner.checkpoint import load_checkpoint
from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy, action_weights


def agreement(predicted: torch.Tensor, wanted: torch.Tensor, gripper_split: float):
    ours, theirs = predicted[:, :3].numpy(), wanted[:, :3].numpy()
    norms = np.linalg.norm(ours, axis=1), np.linalg.norm(theirs, axis=1)
    moving = (norms[1] > 1e-4) & (norms[0] > 1e-6)
    cosine = (ours[moving] * theirs[moving]).sum(1) / (norms[0][moving] * norms[1][moving])
    speed = np.median(norms[0][moving] / norms[1][moving])
    grip = ((predicted[:, -1] > gripper_split) == (wanted[:, -1] > gripper_split)).float()
    return f"cos {cosine.mean():.3f} speed {speed:.2f} grip {grip.mean().item():.3f}"


def nearest(train_x, train_y, test_x, k: int) -> torch.Tensor:
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(1e-3)
    distances = torch.cdist((test_x - mean) / std, (train_x - mean) / std)
    return train_y[distances.topk(k, largest=False).indices].mean(1)


def hindsight_rows(segments, rng):
    rows = []
    for segment in segments:
        n = len(segment.actions)
        for t in range(n - 1):
            goal = segment.latents[rng.integers(t + 1, n)]
            rows.append((segment.latents[t], goal, segment.proprio[t], segment.actions[t]))
    columns = zip(*rows, strict=True)
    return [torch.tensor(np.asarray(column), dtype=torch.float32) for column in columns]


def fit_memory(path: str, task: str) -> None:
    memory = InterventionMemory.load(path)
    segments = [s for s, t in zip(memory.segments, memory.tasks, strict=True) if t == task]
    segments = [s for s in segments if len(s.actions) >= 2]
    cut = int(0.7 * len(segments))
    rng = np.random.default_rng(0)
    train, test = hindsight_rows(segments[:cut], rng), hindsight_rows(segments[cut:], rng)
    print(f"{len(segments)} segments, {len(train[3])} train rows, {len(test[3])} test rows")
    mean = train[3].mean(0, keepdim=True).expand_as(test[3])
    print("mean action       ", agreement(mean, test[3], 0.5))
    for standardise in (False, True):
        torch.manual_seed(0)
        policy = RecoveryPolicy(PolicyConfig(latent_dim=train[0].shape[1]))
        optimiser = torch.optim.AdamW(policy.parameters(), lr=3e-4, weight_decay=1e-4)
        weights = action_weights(train[3], standardise)
        for _ in range(6000):
            pick = torch.randint(0, len(train[3]), (128,))
            latent, goal, proprio, action = (column[pick] for column in train)
            goal = torch.where(torch.rand(128, 1) < 0.2, torch.zeros_like(goal), goal)
            loss = ((policy(latent, goal, proprio) - action).square() * weights).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        for goal_name, goal in (("own goal", test[1]), ("no goal", torch.zeros_like(test[1]))):
            with torch.no_grad():
                predicted = policy(test[0], goal, test[2])
            name = "standardised" if standardise else "raw"
            print(f"policy {name:12s} {goal_name:8s}", agreement(predicted, test[3], 0.5))
    inputs = [torch.cat([rows[0], rows[2]], 1) for rows in (train, test)]
    for k in (1, 5, 20):
        predicted = nearest(inputs[0], train[3], inputs[1], k)
        print(f"{k:2d} nearest        ", agreement(predicted, test[3], 0.5))


def fit_prior(run: str) -> None:
    summary = json.load(open(f"{run}/summary.json"))
    written = json.load(open(f"{run}/prior/buffer.json"))["written"]
    obs = torch.tensor(np.load(f"{run}/prior/obs.npy")[:written])
    action = torch.tensor(np.load(f"{run}/prior/action.npy")[:written])
    demo = summary["demo_ticks"]
    cut = demo + int(0.7 * (written - demo))
    test_x, test_y = obs[cut:], action[cut:]
    print(f"{demo} demo rows, {cut - demo} human train rows, {written - cut} human test rows")
    print("mean action           ", agreement(action[demo:cut].mean(0).expand_as(test_y),
                                              test_y, 0.0))  # fmt: skip
    for name, rows in (("human", slice(demo, cut)), ("demos + human", slice(0, cut))):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(obs.shape[1], 256), nn.GELU(), nn.Linear(256, 256),
                            nn.GELU(), nn.Linear(256, action.shape[1]))  # fmt: skip
        optimiser = torch.optim.AdamW(net.parameters(), lr=3e-4, weight_decay=1e-4)
        x, y = obs[rows], action[rows]
        for _ in range(5000):
            pick = torch.randint(0, len(x), (128,))
            loss = (torch.tanh(net(x[pick])) - y[pick]).square().mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            print(f"MLP on {name:15s}", agreement(torch.tanh(net(test_x)), test_y, 0.0))
    for k in (1, 10):
        predicted = nearest(obs[demo:cut], action[demo:cut], test_x, k)
        print(f"{k:2d} nearest            ", agreement(predicted, test_y, 0.0))
    agent, _ = load_checkpoint(f"{run}/learner.safetensors", device="cpu")
    greedy = torch.tensor(np.stack([agent.act(x.numpy(), deterministic=True) for x in test_x]))
    print("SAC actor, greedy     ", agreement(greedy, test_y, 0.0))


if __name__ == "__main__":
    if sys.argv[1] == "memory":
        fit_memory(sys.argv[2], sys.argv[3])
    else:
        fit_prior(sys.argv[2])
