"""Held-out trigger F1 of the calibrated rule trigger and of other settings, offline.

    python trigger_f1.py MODELS EPISODES [--fresh] [KEY=VALUE ...]

Splits EPISODES as `uniintervene train` did (seeded by the critic's training seed 0) and
takes the test split, or with --fresh takes every episode (a folder collected with seeds
training never saw); runs the bundle's value model over them and scores the rule trigger with the
bundle's settings and with the KEY=VALUE overrides (RiskConfig fields) against the
simulator's privileged segments (progress; the base policy's faults), all tasks and
per task.
"""

import pathlib
import sys
from dataclasses import replace

from uniintervene_critic.calibration import f1_of
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.labels import privileged_label_sets
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.risk import TemporalRiskCritic
from uniintervene_critic.risk_training import scored_against
from uniintervene_critic.train import TrainConfig, episode_tensors, split_episodes
from uniintervene_critic.trigger_evaluation import signals


def main(models, episodes_dir, *overrides) -> None:
    bundle = CriticBundle.load(pathlib.Path(models) / "critic")
    episodes = load_episodes(episodes_dir)
    fresh = "--fresh" in overrides
    overrides = [o for o in overrides if o != "--fresh"]
    test = episodes if fresh else split_episodes(episodes, 0)[2]
    config = TrainConfig(views=bundle.config.views, horizon=bundle.config.horizon)
    scale = bundle.config.latent_scale
    q = [signals(bundle.model, episode_tensors(e, bundle.encoder, config, scale))["q"]
         for e in test]  # fmt: skip
    changes = {k: float(v) if "." in v else int(v) for k, v in (o.split("=") for o in overrides)}
    settings = {"calibrated": bundle.config.risk, "changed": replace(bundle.config.risk, **changes)}
    groups = {"all": range(len(test))} | {
        task: [i for i, e in enumerate(test) if e.task == task]
        for task in sorted({e.task for e in test})
    }
    print(f"changes: {changes}; test episodes: {len(test)}")
    for name, risk in settings.items():
        for group, rows in groups.items():
            labels = privileged_label_sets([test[i] for i in rows])
            traces = [q[i] for i in rows]
            result = scored_against(
                lambda segs, r=risk, t=traces: f1_of(lambda: TemporalRiskCritic(r), t, segs),
                labels,
            )
            faults = result.get("vs_faults", {})
            print(f"{name:<10} {group:<15} F1 {result['trigger_f1']:.2f} (P "
                  f"{result['precision']:.2f}, R {result['recall']:.2f}); vs faults F1 "
                  f"{faults.get('trigger_f1', float('nan')):.2f}")  # fmt: skip


if __name__ == "__main__":
    main(*sys.argv[1:])
