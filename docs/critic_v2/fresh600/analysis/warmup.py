"""The rule's warm-up (ticks after an episode starts before it may fire), recalibrated:
for each warm-up, the rule is calibrated on the calibration split's mined labels with that
warm-up and scored on the test split. Chosen on the development set (EPISODES=/tmp/exp2/
episodes, its bundles), confirmed on fresh600. Writes warmup_<set>.json."""

import dataclasses
import json
import os

from common import episodes, seed_split, seeds

from uniintervene_critic import calibration
from uniintervene_critic.labels import privileged_label_sets, segments
from uniintervene_critic.mining import load_mining_config, mined_flags
from uniintervene_critic.risk import RiskConfig, TemporalRiskCritic
from uniintervene_critic.risk_training import scored_against

WARMUPS = [int(w) for w in os.environ.get("WARMUPS", "10,30").split(",")]
mining = load_mining_config(None)
all_episodes, out = episodes(), {}
for seed in seeds():
    _, cal_eps, test, traced = seed_split(all_episodes, seed)
    cal_q, test_q = [traced(e)["q"] for e in cal_eps], [traced(e)["q"] for e in test]
    mined = [
        segments(mined_flags(q, e.sources, mining)) for e, q in zip(cal_eps, cal_q, strict=True)
    ]
    label_sets = privileged_label_sets(test)
    out[seed] = {}
    for warmup in WARMUPS:
        # the grid's configs are RiskConfig(**values): its default warm-up applies
        calibration.RiskConfig = lambda warmup=warmup, **kw: RiskConfig(warmup=warmup, **kw)
        risk, _ = calibration.calibrate_temporal(cal_q, mined, f"warm-up {warmup}")

        def score_of(labels, risk=risk, test_q=test_q):
            return calibration.f1_of(lambda: TemporalRiskCritic(risk), test_q, labels)

        out[seed][warmup] = scored_against(score_of, label_sets) | {
            "risk": dataclasses.asdict(risk)
        }
        print(seed, warmup, json.dumps(out[seed][warmup]), flush=True)
name = "dev200" if "exp2" in os.environ.get("EPISODES", "") else "fresh600"
with open(f"warmup_{name}.json", "w") as file:
    json.dump(out, file, indent=1)
