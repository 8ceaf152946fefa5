"""The bundles' own rule (its calibrated thresholds), re-scored with other warm-ups and no
recalibration: a quick look over many warm-ups (warmup.py recalibrates). Episodes folder as
the argument; BUNDLE as in common.py. Output: warmup_rescore.txt."""

import dataclasses
import json
import sys

from common import rounded, seed_split, total

from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.labels import privileged_label_sets
from uniintervene_critic.risk import TemporalRiskCritic, trigger_ticks

all_episodes = load_episodes(sys.argv[1])
for seed in (0, 1, 2):
    bundle, _, test, traced = seed_split(all_episodes, seed)
    label_sets = privileged_label_sets(test)
    values = [traced(e)["q"] for e in test]
    out = {}
    for warmup in (10, 15, 20, 25, 30, 40, 50):
        config = dataclasses.replace(bundle.config.risk, warmup=warmup)
        fired = [trigger_ticks(TemporalRiskCritic(config), q) for q in values]
        out[warmup] = {name: rounded(total(fired, segs))["f1"] for name, segs in label_sets.items()}
    print(seed, json.dumps(out), flush=True)
