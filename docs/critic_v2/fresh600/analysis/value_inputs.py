"""What the value head sees. The bundles' V reads the (predicted) latent only; here it also
reads the joint positions and gripper (`proprio`: F then predicts them too) and/or the
latent's motion over the last `horizon` ticks (for q: F's predicted change). Each variant
is trained on the bundle's frozen latents with the bundle's seed, early-stopped on the
calibration split as the recipe does; the rule on its q is calibrated on the calibration
split's mined labels and scored on the test split. Further variants: dropout, weight
decay, learning rate, noise on the training latents (SETTINGS). VARIANTS picks some
(default: the bundle's q and all of SETTINGS). Writes value_inputs_<SET>.json."""

import copy
import json
import os
import time

import numpy as np
import torch
from common import episodes, rule_on_mined_labels, save, seed_split, seeds
from torch import nn
from torch.nn import functional as F

from uniintervene_critic.labels import privileged_label_sets
from uniintervene_critic.train import TrainConfig, concat, episode_tensors, split_episodes

# name -> what differs from the bundle's model: inputs (proprio, motion), dropout, weight
# decay, learning rate, or Gaussian noise on the training latents
SETTINGS = {
    "proprio": {"use_proprio": True},
    "motion": {"use_motion": True},
    "both": {"use_proprio": True, "use_motion": True},
    "dropout": {"dropout": 0.2},
    "decay": {"weight_decay": 0.05},
    "slow": {"learning_rate": 3e-4},
    "noise": {"noise": 0.2},
}
VARIANTS = os.environ.get("VARIANTS", ",".join(["q", *SETTINGS])).split(",")


class RichValueModel(nn.Module):
    def __init__(
        self, latent_dim, proprio_dim, action_dim, hidden, use_proprio, use_motion, dropout
    ):
        super().__init__()
        self.use_proprio, self.use_motion = use_proprio, use_motion
        self.latent_dim = latent_dim
        self.predictor = nn.Sequential(
            nn.Linear(latent_dim + proprio_dim + action_dim, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, latent_dim + proprio_dim),
        )
        width = latent_dim * (1 + use_motion) + proprio_dim * use_proprio
        self.value_head = nn.Sequential(
            nn.Linear(width, hidden // 2),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden // 2, hidden // 2),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden // 2, 1),
        )

    def value(self, latent, proprio, motion):
        parts = [latent] + [proprio] * self.use_proprio + [motion] * self.use_motion
        return torch.sigmoid(self.value_head(torch.cat(parts, -1))).squeeze(-1)

    def forward(self, latent, proprio, action, past):
        delta = self.predictor(torch.cat([latent, proprio, action], -1))
        future = latent + delta[:, : self.latent_dim]
        future_proprio = proprio + delta[:, self.latent_dim :]
        q = self.value(future, future_proprio, future - latent)
        state_value = self.value(latent, proprio, latent - past)
        return q, state_value, future, future_proprio


def with_past(tensors, horizon):
    n = len(tensors["latent"])
    past = np.maximum(np.arange(n) - horizon, 0)
    future = np.minimum(np.arange(n) + horizon, n - 1)
    return tensors | {"past": tensors["latent"][past], "future_proprio": tensors["proprio"][future]}


def losses(model, batch):
    q, state_value, future, future_proprio = model(
        batch["latent"], batch["proprio"], batch["action"], batch["past"]
    )
    q_loss = F.mse_loss(q, batch["future_target"])
    prediction = F.mse_loss(future, batch["future"]) + F.mse_loss(
        future_proprio, batch["future_proprio"]
    )
    return q_loss + F.mse_loss(state_value, batch["target"]) + prediction, q_loss


def train(train_set, validation, setting: dict, seed, config: TrainConfig):
    torch.manual_seed(seed)
    dims = (train_set["latent"].shape[1], train_set["proprio"].shape[1])
    model = RichValueModel(
        *dims,
        train_set["action"].shape[1],
        256,
        setting.get("use_proprio", False),
        setting.get("use_motion", False),
        setting.get("dropout", 0.0),
    )
    optimiser = torch.optim.AdamW(
        model.parameters(),
        lr=setting.get("learning_rate", config.learning_rate),
        weight_decay=setting.get("weight_decay", 1e-4),
    )
    noise = setting.get("noise", 0.0)
    generator = torch.Generator().manual_seed(seed)
    best, n = (float("inf"), None, 0), len(train_set["target"])
    for epoch in range(config.value_epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, config.batch_size):
            batch = {k: v[order[start : start + config.batch_size]] for k, v in train_set.items()}
            if noise:  # the same latent noise on z_t and its past, the targets stay clean
                jitter = noise * torch.randn_like(batch["latent"])
                batch |= {"latent": batch["latent"] + jitter, "past": batch["past"] + jitter}
            loss = losses(model, batch)[0]
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            watched = losses(model, validation)[1].item()
        if watched < best[0]:
            best = (watched, copy.deepcopy(model.state_dict()), epoch + 1)
    model.load_state_dict(best[1])
    return model.eval(), best[2]


all_episodes, out = episodes(), {}
for seed in seeds():
    bundle, calibration, test, traced = seed_split(all_episodes, seed)
    config = TrainConfig(seed=seed)
    scale = bundle.config.latent_scale
    tensors = {
        name: [
            with_past(episode_tensors(e, bundle.encoder, config, scale), config.horizon)
            for e in eps
        ]
        for name, eps in (
            ("train", split_episodes(all_episodes, seed)[0]),
            ("cal", calibration),
            ("test", test),
        )
    }
    label_sets = privileged_label_sets(test)
    out[seed] = {}
    for variant in VARIANTS:
        started = time.time()
        if variant == "q":
            cal_q, test_q = [traced(e)["q"] for e in calibration], [traced(e)["q"] for e in test]
        else:
            model, kept = train(
                concat(tensors["train"]), concat(tensors["cal"]), SETTINGS[variant], seed, config
            )
            with torch.no_grad():
                q_of = lambda t, m=model: m(t["latent"], t["proprio"], t["action"], t["past"])[0]  # noqa: E731
                cal_q = [q_of(t).numpy() for t in tensors["cal"]]
                test_q = [q_of(t).numpy() for t in tensors["test"]]
                test_q_loss = losses(model, concat(tensors["test"]))[1].item()
        out[seed][variant] = rule_on_mined_labels(cal_q, test_q, calibration, label_sets, variant)
        if variant != "q":
            out[seed][variant] |= {"kept_epoch": kept, "test_q_loss": round(test_q_loss, 5)}
        print(
            seed,
            variant,
            round(time.time() - started),
            "s",
            json.dumps(out[seed][variant]),
            flush=True,
        )
save("value_inputs", out)
