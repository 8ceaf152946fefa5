"""The v1-recipe control: the rule calibrated on the privileged progress segments."""

import json
import sys

from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.train import TrainConfig, episode_tensors, split_episodes
from uniintervene_critic.trigger_evaluation import evaluate_triggers

model, seed = sys.argv[1], int(sys.argv[2])
eps = load_episodes("/tmp/exp4/episodes")
b = CriticBundle.load(model)
tr, cal, te = split_episodes(eps, seed)
cfg = TrainConfig(seed=seed)
res = evaluate_triggers(
    b.model,
    cal,
    te,
    lambda e: episode_tensors(e, b.encoder, cfg, b.config.latent_scale),
    b.failure,
    None,
)
keep = ("trigger_f1", "precision", "recall", "vs_faults")
print(json.dumps({k: {kk: v[kk] for kk in keep} for k, v in res.items()}, indent=1))
