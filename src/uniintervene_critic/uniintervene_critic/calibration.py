"""Calibrating the rule-based triggers: grid searches that maximise segment-level trigger
F1 of a trigger over per-episode signal traces against per-episode labelled segments
(the calibration split's; mined or privileged, as the training run chooses)."""

import itertools

import numpy as np
from tqdm import tqdm

from uniintervene_critic.labels import TriggerScore, score_triggers
from uniintervene_critic.risk import (
    FiringConfig,
    RiskConfig,
    SingleStepRisk,
    TemporalRiskCritic,
    ThresholdConfig,
    ThresholdTrigger,
    trigger_ticks,
)

RISK_GRID = {
    "stagnation_limit": [8, 12, 16, 22, 30],
    "gain_epsilon": [0.005, 0.01, 0.02, 0.04],
    "drawdown_limit": [0.05, 0.1, 0.2, 0.4],
    "min_duration": [1, 3, 5],
    "smoothing": [1.0, 0.5, 0.25],
}
THRESHOLD_GRID = np.linspace(0.02, 0.6, 30)


def f1_of(make_critic, traces, labels) -> TriggerScore:
    score = None
    for trace, segs in zip(traces, labels, strict=True):
        s = score_triggers(trigger_ticks(make_critic(), trace), segs)
        score = s if score is None else score.add(s)
    return score


def calibrate_temporal(traces, labels, name: str = "") -> tuple[RiskConfig, float]:
    best, best_f1 = RiskConfig(), -1.0
    grid = list(itertools.product(*RISK_GRID.values()))
    # the longest step of training: a bar on a terminal, silence in logs and tests
    for values in tqdm(grid, desc=f"calibrating {name or 'trigger'}", leave=False, disable=None):
        config = RiskConfig(**dict(zip(RISK_GRID, values, strict=True)))
        f1 = f1_of(lambda c=config: TemporalRiskCritic(c), traces, labels).f1
        if f1 > best_f1:
            best, best_f1 = config, f1
    return best, best_f1


def calibrate_threshold(traces, labels) -> ThresholdConfig:
    scored = [
        (f1_of(lambda t=t: SingleStepRisk(ThresholdConfig(float(t))), traces, labels).f1, t)
        for t in THRESHOLD_GRID
    ]
    return ThresholdConfig(float(max(scored)[1]))


FAILURE_GRID = {"threshold": list(np.linspace(0.3, 0.95, 14)), "min_duration": [1, 2, 3, 5]}


def calibrate_threshold_trigger(traces, labels, grid: dict) -> tuple[FiringConfig, float]:
    """A `ThresholdTrigger` on risk-like traces (failure probability, learned risk): the
    grid's best F1, re-arming at 0.6 x the threshold."""
    best, best_f1 = FiringConfig(), -1.0
    for values in itertools.product(*grid.values()):
        config = FiringConfig(**dict(zip(grid, values, strict=True)))
        config.rearm_below = config.threshold * 0.6
        f1 = f1_of(lambda c=config: ThresholdTrigger(c), traces, labels).f1
        if f1 > best_f1:
            best, best_f1 = config, f1
    return best, best_f1


def calibrate_failure(traces, labels) -> FiringConfig:
    return calibrate_threshold_trigger(traces, labels, FAILURE_GRID)[0]
