"""The rule on log q at the scale the rule's grid was made for. `log_value.py` gave
log q as -(ticks to success) / 100, so the grid's gain epsilons (0.005 to 0.04) meant
0.5 to 4 ticks of normal progress, less than a creeping stall gains in a stagnation
window. Here -(ticks to success) / S for each S in SCALES, the rule calibrated on the
labels mined from that signal (calibration split) and scored on the test split.
Writes log_scale_<SET>.json."""

import json
import os

from common import episodes, log_ticks, rule_on_mined_labels, save, seed_split, seeds

from uniintervene_critic.labels import privileged_label_sets

SCALES = [int(s) for s in os.environ.get("SCALES", "250,500,1000").split(",")]
all_episodes, out = episodes(), {}
for seed in seeds():
    _, calibration, test, traced = seed_split(all_episodes, seed)
    cal_q, test_q = [traced(e)["q"] for e in calibration], [traced(e)["q"] for e in test]
    label_sets, out[seed] = privileged_label_sets(test), {}
    for scale in SCALES:
        ticks = lambda q, s=scale: log_ticks(q) * 100 / s  # noqa: E731
        cal, tst = [ticks(q) for q in cal_q], [ticks(q) for q in test_q]
        name = f"log_q/{scale}"
        out[seed][name] = rule_on_mined_labels(cal, tst, calibration, label_sets, name)
        print(seed, name, json.dumps(out[seed][name]), flush=True)
save("log_scale", out)
