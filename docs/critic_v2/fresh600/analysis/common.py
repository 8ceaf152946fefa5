"""What the analysis scripts share: fresh600's episodes, each seed's bundle and splits, the
per-episode traces the triggers watch, summed segment scores, and the rule calibrated on
mined labels and scored. Edit the two paths to
where your run wrote them; pass seeds as arguments (default 0 1 2)."""

import json
import os
import sys
from dataclasses import asdict

import numpy as np

from uniintervene_critic.calibration import calibrate_temporal, f1_of
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.labels import GAMMA, score_triggers, segments
from uniintervene_critic.mining import load_mining_config, mined_flags
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.risk import TemporalRiskCritic
from uniintervene_critic.risk_training import scored_against, traces
from uniintervene_critic.train import TrainConfig, episode_tensors, split_episodes

EPISODES = os.environ.get("EPISODES", "/tmp/exp4/episodes")  # the dev set: /tmp/exp2/episodes
# the bundles without early stopping; BUNDLE=/tmp/exp6/critic_es_seed{seed} for the default recipe
BUNDLE = os.environ.get("BUNDLE", "/tmp/exp4/critic_seed{seed}")


def seeds() -> list[int]:
    return [int(arg) for arg in sys.argv[1:]] or [0, 1, 2]


def episodes():
    return load_episodes(EPISODES)


def seed_split(all_episodes, seed: int):
    """-> (bundle, calibration episodes, test episodes, traced(episode) -> traces)."""
    bundle = CriticBundle.load(BUNDLE.format(seed=seed))
    _, calibration, test = split_episodes(all_episodes, seed)
    config = TrainConfig(seed=seed)

    def traced(episode):
        tensors = episode_tensors(episode, bundle.encoder, config, bundle.config.latent_scale)
        return traces(bundle.model, tensors)

    return bundle, calibration, test, traced


def total(fired_per_episode, segments_per_episode):
    """Segment-level score summed over episodes (see labels.score_triggers)."""
    score = None
    for fired, segs in zip(fired_per_episode, segments_per_episode, strict=True):
        one = score_triggers(fired, segs)
        score = one if score is None else score.add(one)
    return score


def rounded(score) -> dict:
    return {"f1": round(score.f1, 3), "p": round(score.precision, 3), "r": round(score.recall, 3)}


def save(stem: str, out: dict) -> None:
    """Writes `out` to <stem>_<SET>.json, SET naming the episode set (default dev200)."""
    with open(f"{stem}_{os.environ.get('SET', 'dev200')}.json", "w") as file:
        json.dump(out, file, indent=1)


FLOOR = 0.02  # log_ticks' floor under q: a failing episode's value is ~0


def log_ticks(q):
    """-(ticks to success) / 100 as q = gamma^(ticks to success) implies it."""
    return np.log(np.maximum(q, FLOOR)) / -np.log(GAMMA) / 100.0


def rule_on_mined_labels(
    cal_signals, test_signals, cal_episodes, label_sets, name="", mining=None
) -> dict:
    """The rule calibrated on the labels mined from `cal_signals` (the calibration split,
    as the recipe does; `mining`: the package's YAML unless given), scored on
    `test_signals` against every privileged label set."""
    mining = mining or load_mining_config(None)
    mined = [
        segments(mined_flags(signal, episode.sources, mining))
        for episode, signal in zip(cal_episodes, cal_signals, strict=True)
    ]
    risk, _ = calibrate_temporal(cal_signals, mined, name)

    def score_of(labels):
        return f1_of(lambda: TemporalRiskCritic(risk), test_signals, labels)

    return scored_against(score_of, label_sets) | {"risk": asdict(risk)}
