"""The rule on the value's logarithm: q = gamma^(ticks to success) rises ~4x faster near the
end of an episode than 140 ticks before it, so one gain threshold cannot fit both; log q is
linear in time. Signals compared (each calibrated on the calibration split's mined labels,
mined from the signal named, and scored on the test split):

- q: the bundle's recipe;
- log_q: -(ticks to success) / 100 as q implies it, q floored at common.FLOOR;
- progress: the simulator's privileged progress itself (an oracle signal: the ceiling of
  mining + calibration with a perfect value). Writes log_value.json."""

import json

from common import episodes, log_ticks, rule_on_mined_labels, seed_split, seeds

from uniintervene_critic.labels import privileged_label_sets

all_episodes, out = episodes(), {}
for seed in seeds():
    _, calibration, test, traced = seed_split(all_episodes, seed)
    cal_q, test_q = [traced(e)["q"] for e in calibration], [traced(e)["q"] for e in test]
    label_sets = privileged_label_sets(test)
    signals = {
        "q": (cal_q, test_q),
        "log_q": ([log_ticks(q) for q in cal_q], [log_ticks(q) for q in test_q]),
        "progress": ([e.progress for e in calibration], [e.progress for e in test]),
    }
    out[seed] = {}
    for name, (cal, tst) in signals.items():
        out[seed][name] = rule_on_mined_labels(cal, tst, calibration, label_sets, name)
        print(seed, name, json.dumps(out[seed][name]), flush=True)
with open("log_value.json", "w") as file:
    json.dump(out, file, indent=1)
