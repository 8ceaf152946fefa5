"""Early stopping measured: the fresh600 recipe with TrainConfig.early_stopping=True (now
the default), seeds as arguments. Prints each seed's held-out Q-loss and trigger scores."""

import json
import sys
import time

from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.train import TrainConfig, train_critic

KEPT = ("trigger_f1", "precision", "recall", "vs_progress_onset", "vs_faults")
episodes = load_episodes("/tmp/exp4/episodes")
for seed in map(int, sys.argv[1:]):
    started = time.time()
    report = train_critic(
        episodes,
        f"/tmp/exp6/critic_es_seed{seed}",
        TrainConfig(seed=seed, early_stopping=True),
        progress=False,
    )
    scores = {
        trigger: {k: report["triggers"][trigger].get(k) for k in KEPT}
        for trigger in ("uniintervene", "learned_risk")
    }
    seconds = round(time.time() - started)
    print(seed, seconds, "q_loss", report["q_loss"], json.dumps(scores), flush=True)
