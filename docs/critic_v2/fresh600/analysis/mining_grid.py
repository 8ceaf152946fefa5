"""The label-mining thresholds as a design choice made on the development set: for each
(window, plateau_range, plateau_step) in the grid, the rule is calibrated on the labels
mined with them from the bundle's q on the calibration split and scored on the test
split, as the recipe does. The YAML's other thresholds stay. Writes
mining_grid_<SET>.json: {seed: {"window,range,step": score}}."""

import itertools
import time
from dataclasses import replace

from common import episodes, rule_on_mined_labels, save, seed_split, seeds

from uniintervene_critic.labels import privileged_label_sets
from uniintervene_critic.mining import load_mining_config

GRID = {
    "window": [10, 15, 20],
    "plateau_range": [0.05, 0.08, 0.12, 0.16],
    "plateau_step": [0.04, 0.06, 0.1],
}
default, all_episodes, out = load_mining_config(None), episodes(), {}
for seed in seeds():
    _, calibration, test, traced = seed_split(all_episodes, seed)
    cal_q, test_q = [traced(e)["q"] for e in calibration], [traced(e)["q"] for e in test]
    label_sets, out[seed] = privileged_label_sets(test), {}
    for values in itertools.product(*GRID.values()):
        started = time.time()
        mining = replace(default, **dict(zip(GRID, values, strict=True)))
        key = ",".join(map(str, values))
        out[seed][key] = rule_on_mined_labels(cal_q, test_q, calibration, label_sets, key, mining)
        f1 = out[seed][key]["trigger_f1"]
        print(seed, key, round(f1, 3), round(time.time() - started), "s", flush=True)
save("mining_grid", out)
