"""Value ensembles: K predictor + value heads trained on the bundle's frozen latents with
different seeds (each early-stopped on the calibration split, as the recipe does), q the
members' mean. The rule on q (and on log q, see log_value.py) is calibrated on the
calibration split's mined labels and scored on the test split. Writes ensemble.json."""

import json
import os
import time

import numpy as np
import torch
from common import episodes, log_ticks, rule_on_mined_labels, seed_split, seeds

from uniintervene_critic.labels import privileged_label_sets
from uniintervene_critic.train import (
    TrainConfig,
    concat,
    episode_tensors,
    split_episodes,
    train_value_model,
)

MEMBERS = int(os.environ.get("MEMBERS", "5"))
all_episodes, out = episodes(), {}
for seed in seeds():
    bundle, calibration, test, _ = seed_split(all_episodes, seed)
    train_eps = split_episodes(all_episodes, seed)[0]
    config = TrainConfig(seed=seed)
    scale = bundle.config.latent_scale
    tensors = {
        name: [episode_tensors(e, bundle.encoder, config, scale) for e in eps]
        for name, eps in (("train", train_eps), ("cal", calibration), ("test", test))
    }
    started = time.time()
    members = [bundle.model] + [
        train_value_model(
            concat(tensors["train"]),
            concat(tensors["test"]),
            bundle.config,
            TrainConfig(seed=seed * 100 + k),
            progress=False,
            validation=concat(tensors["cal"]),
        )[0]
        for k in range(1, MEMBERS)
    ]
    print(seed, "members trained in", round(time.time() - started), "s", flush=True)

    @torch.no_grad()
    def mean_q(t, members=members):
        return np.mean(
            [m(t["latent"], t["proprio"], t["action"])[0].numpy() for m in members], axis=0
        )

    cal_q, test_q = [mean_q(t) for t in tensors["cal"]], [mean_q(t) for t in tensors["test"]]
    label_sets = privileged_label_sets(test)
    out[seed] = {}
    for name, (cal, tst) in {
        "q": (cal_q, test_q),
        "log_q": ([log_ticks(q) for q in cal_q], [log_ticks(q) for q in test_q]),
    }.items():
        out[seed][name] = rule_on_mined_labels(cal, tst, calibration, label_sets, name)
        print(seed, name, json.dumps(out[seed][name]), flush=True)
with open(f"ensemble{MEMBERS}.json", "w") as file:
    json.dump(out, file, indent=1)
