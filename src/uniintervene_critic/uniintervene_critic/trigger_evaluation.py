"""Calibrate every trigger variant on the calibration split and score it on the test split.

Scores are segment-level trigger F1 against two privileged label sets of the simulated
cell (`labels.privileged_label_sets`): "should intervene" segments from the task's
progress (stalls, drops, warnings: the figure every report has carried) and, where the
episodes record it, from the base policy's own fault state (the ground truth of the
behaviour a trigger should catch; the progress labels also mark the expert's own pauses,
such as descending to grasp). The rule-based triggers calibrate on `calibration_segments`
(mined from the value, by default) and the learned head trains on mined labels, so the
privileged labels only ever score.
"""

from dataclasses import asdict

import numpy as np
import torch

from uniintervene_critic.calibration import (
    calibrate_failure,
    calibrate_temporal,
    calibrate_threshold,
    f1_of,
)
from uniintervene_critic.failure import FailureTrigger, FailureTriggerConfig
from uniintervene_critic.labels import privileged_label_sets, segments, unproductive_ticks
from uniintervene_critic.mining import load_mining_config
from uniintervene_critic.risk import RiskConfig, SingleStepRisk, TemporalRiskCritic
from uniintervene_critic.risk_head import RiskHeadConfig
from uniintervene_critic.risk_training import (
    mined_segments,
    scored_against,
    traces,
    train_learned_trigger,
)

HELD_REPORT_KEY = {"learned": "learned_risk", "rule": "uniintervene"}


@torch.no_grad()
def signals(model, tensors, failure=None) -> dict[str, np.ndarray]:
    """The per-tick signals each trigger variant watches, for one episode."""
    q, state_value, _ = model(tensors["latent"], tensors["proprio"], tensors["action"])
    travelled = (tensors["latent"] - tensors["latent"][0]).norm(dim=-1)
    out = {
        "q": q.numpy(),
        "state_value": state_value.numpy(),
        "latent_progress": travelled.numpy(),
    }
    if failure is not None:
        out["failure"] = failure(tensors["latent"], tensors["proprio"]).numpy()
    return out


def evaluate_triggers(
    model, calibration, test, tensors_of, failure=None, calibration_segments=None
):
    """Calibrate each variant on the calibration split (on `calibration_segments`, e.g.
    mined ones; the privileged progress segments if None) and score it on the test split:
    `trigger_f1`, `precision`, `recall` against the progress segments, and the same
    against each other privileged label set under `vs_<name>`. `tensors_of(episode)`
    gives an episode's model inputs."""
    cal = [signals(model, tensors_of(e), failure) for e in calibration]
    tst = [signals(model, tensors_of(e), failure) for e in test]
    if calibration_segments is None:
        calibration_segments = [segments(unproductive_ticks(e)) for e in calibration]
    label_sets = privileged_label_sets(test)
    # Latent progress is in latent units: normalise by its typical range on calibration.
    spread = float(np.median([s["latent_progress"].max() for s in cal])) or 1.0

    def pick(data, key):
        divisor = spread if key == "latent_progress" else 1.0
        return [s[key] / divisor for s in data]

    def score(make_trigger, key) -> dict:
        return scored_against(
            lambda labels: f1_of(make_trigger, pick(tst, key), labels), label_sets
        )

    results = {}
    for variant, key in (
        ("uniintervene", "q"),
        ("without_future_prediction", "state_value"),
        ("without_value_prediction", "latent_progress"),
    ):
        risk_config, cal_f1 = calibrate_temporal(pick(cal, key), calibration_segments, variant)
        results[variant] = score(lambda c=risk_config: TemporalRiskCritic(c), key) | {
            "calibration_f1": cal_f1,
            "risk": asdict(risk_config),
        }
    results["without_value_prediction"]["latent_progress_spread"] = spread
    threshold = calibrate_threshold(pick(cal, "q"), calibration_segments)
    results["without_temporal_critic"] = score(lambda: SingleStepRisk(threshold), "q") | {
        "threshold": asdict(threshold)
    }
    if failure is not None:
        trigger = calibrate_failure(pick(cal, "failure"), calibration_segments)
        results["failure_prediction"] = score(lambda: FailureTrigger(trigger), "failure") | {
            "trigger": asdict(trigger)
        }
    return results


HOLD_CHOICES = ("rule", "learned", "calibration")


def held_trigger(hold: str, learned_calibration_f1: float, rule_calibration_f1: float) -> str:
    """The trigger a bundle holds for `TrainConfig.hold` (the test split decides nothing)."""
    if hold not in HOLD_CHOICES:
        raise ValueError(f"hold must be one of {HOLD_CHOICES}, got {hold!r}")
    if hold == "calibration":
        return "learned" if learned_calibration_f1 >= rule_calibration_f1 else "rule"
    return hold


def learned_and_rule_triggers(model, splits, tensors_of, config, failure, critic_config):
    """Calibrate the rule-based triggers and train the learned risk head, both on the label
    source `config.calibrate_on`; the bundle holds the one `config.hold` names (or, for
    "calibration", the better on the calibration split's mined segments).
    -> (report section, head, "learned" | "rule")."""
    mining = load_mining_config(config.mining_config or None)
    traced = [[(e, traces(model, tensors_of(e))) for e in split] for split in splits]
    mined_cal = mined_segments(traced[1], mining)  # both triggers are compared on these
    calibrate_on = mined_cal if config.calibrate_on == "mined" else None
    triggers = evaluate_triggers(model, *splits[1:], tensors_of, failure, calibrate_on)
    critic_config.failure_trigger = FailureTriggerConfig(
        **triggers["failure_prediction"]["trigger"]
    )
    critic_config.risk = RiskConfig(**triggers["uniintervene"]["risk"])
    try:
        head, firing, learned = train_learned_trigger(
            dict(zip(("train", "calibration", "test"), traced, strict=True)),
            mining,
            critic_config.latent_dim,
            config.seed,
        )
    except ValueError as error:  # e.g. no mined positives in a tiny dataset: keep the rule
        triggers["learned_risk"] = {"skipped": str(error)}
        return triggers, None, "rule"
    triggers["learned_risk"] = learned["test_vs_privileged"] | learned
    critic_config.firing, critic_config.risk_head = firing, RiskHeadConfig(**learned["head"])
    rule_cal = f1_of(
        lambda: TemporalRiskCritic(critic_config.risk),
        [t["q"] for _, t in traced[1]],
        mined_cal,
    ).f1
    critic_config.trigger = held_trigger(config.hold, learned["calibration_f1_mined"], rule_cal)
    triggers["uniintervene"]["calibration_f1_mined"] = rule_cal
    return triggers, head, critic_config.trigger
