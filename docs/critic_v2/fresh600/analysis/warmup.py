"""The rule's warm-up (ticks after an episode starts before it may fire), recalibrated:
for each warm-up, the rule is calibrated on the calibration split's mined labels with that
warm-up and scored on the test split. Chosen on the development set (EPISODES=/tmp/exp2/
episodes, its bundles), confirmed on fresh600. Writes warmup_<set>.json."""

import json
import os

from common import episodes, rule_on_mined_labels, seed_split, seeds

from uniintervene_critic import calibration
from uniintervene_critic.labels import privileged_label_sets
from uniintervene_critic.risk import RiskConfig

WARMUPS = [int(w) for w in os.environ.get("WARMUPS", "10,30").split(",")]
all_episodes, out = episodes(), {}
for seed in seeds():
    _, cal_eps, test, traced = seed_split(all_episodes, seed)
    cal_q, test_q = [traced(e)["q"] for e in cal_eps], [traced(e)["q"] for e in test]
    label_sets = privileged_label_sets(test)
    out[seed] = {}
    for warmup in WARMUPS:
        # the grid's configs are RiskConfig(**values): its default warm-up applies
        calibration.RiskConfig = lambda warmup=warmup, **kw: RiskConfig(warmup=warmup, **kw)
        name = f"warm-up {warmup}"
        out[seed][warmup] = rule_on_mined_labels(cal_q, test_q, cal_eps, label_sets, name)
        print(seed, warmup, json.dumps(out[seed][warmup]), flush=True)
name = "dev200" if "exp2" in os.environ.get("EPISODES", "") else "fresh600"
with open(f"warmup_{name}.json", "w") as file:
    json.dump(out, file, indent=1)
