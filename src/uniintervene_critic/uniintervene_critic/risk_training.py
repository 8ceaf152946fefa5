"""Train and calibrate the learned temporal value-risk head (critic v2).

Labels are mined from the trained critic's own value (`mining`), never from the
simulator's privileged progress, so the same recipe runs on real recordings. The head
trains on the training split's mined labels, its firing rule is calibrated on the
calibration split's mined segments, and the test split reports trigger F1 against both
the mined and (where recorded) the privileged segments, plus how well mined labels agree
with privileged ones per tick.
"""

from dataclasses import asdict

import torch

from uniintervene_critic.calibration import calibrate_threshold_trigger, f1_of
from uniintervene_critic.labels import (
    TriggerScore,
    privileged_label_sets,
    segments,
    unproductive_ticks,
)
from uniintervene_critic.mining import Agreement, MiningConfig, mined_flags
from uniintervene_critic.risk import FiringConfig, ThresholdTrigger
from uniintervene_critic.risk_head import RiskHeadConfig, train_risk_head

FIRING_GRID = {
    "threshold": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
    "min_duration": [1, 2, 3, 5, 8],
    "warmup": [5, 10, 15],
}


@torch.no_grad()
def traces(model, tensors) -> dict:
    """What the head reads per tick of one episode: q, the latent and F's prediction."""
    q, _, future = model(tensors["latent"], tensors["proprio"], tensors["action"])
    return {"q": q.numpy(), "latent": tensors["latent"], "future": future}


def firing_score(config: FiringConfig, risks, labels) -> TriggerScore:
    """Trigger F1 of the head's firing rule on per-episode risk traces."""
    return f1_of(lambda: ThresholdTrigger(config), risks, labels)


def scored(score: TriggerScore) -> dict:
    return {"trigger_f1": score.f1, "precision": score.precision, "recall": score.recall}


def scored_against(score_of, label_sets: dict) -> dict:
    """`score_of(segments) -> TriggerScore` against the "progress" label set at the top
    level, and against every other set under `vs_<name>`."""
    out = scored(score_of(label_sets["progress"]))
    for name, labels in label_sets.items():
        if name != "progress":
            out[f"vs_{name}"] = scored(score_of(labels))
    return out


def train_learned_trigger(splits, mining: MiningConfig, latent_dim: int, seed: int = 0):
    """`splits`: {"train"|"calibration"|"test": [(episode, traces), ...]}.
    -> (head, firing config, report section)."""
    mined = {
        name: [mined_flags(t["q"], e.sources, mining) for e, t in pairs]
        for name, pairs in splits.items()
    }
    head_config = RiskHeadConfig(latent_dim=latent_dim)
    labelled = zip(splits["train"], mined["train"], strict=True)
    head, losses = train_risk_head(
        head_config, [(t["q"], t["latent"], t["future"], m) for (_, t), m in labelled], seed=seed
    )

    def risks(name):
        return [head.episode_risk(t["q"], t["latent"], t["future"]) for _, t in splits[name]]

    cal_risks, test_risks = risks("calibration"), risks("test")
    firing, cal_f1 = calibrate_threshold_trigger(
        cal_risks, [segments(m) for m in mined["calibration"]], FIRING_GRID
    )
    label_sets = privileged_label_sets([e for e, _ in splits["test"]])
    agreement = {}
    for name, pairs in splits.items():
        agree = Agreement()
        for (episode, _), flags in zip(pairs, mined[name], strict=True):
            agree.add(flags, unproductive_ticks(episode))
        agreement[name] = {"precision": agree.precision, "recall": agree.recall}
    report = {
        "head": asdict(head_config),
        "head_losses": losses,
        "firing": asdict(firing),
        "calibration_f1_mined": cal_f1,
        "test_vs_privileged": scored_against(
            lambda labels: firing_score(firing, test_risks, labels), label_sets
        ),
        "test_vs_mined": scored(
            firing_score(firing, test_risks, [segments(m) for m in mined["test"]])
        ),
        "mined_label_agreement": agreement,
        "mining": asdict(mining),
    }
    return head, firing, report


def mined_segments(pairs, mining: MiningConfig) -> list:
    """Mined segments per (episode, traces): what rule-based triggers calibrate on, too."""
    return [segments(mined_flags(t["q"], e.sources, mining)) for e, t in pairs]
