"""Which progress segments the rule (calibrated on mined labels, as in the bundles) misses:
stalls that are the policy's faults, or the expert's own pauses; and the rule's ceiling
against the fault labels, calibrated on the calibration split's fault segments (privileged,
so a ceiling, not a recipe). Writes misses_by_kind.json."""

import json

from common import episodes, rounded, seed_split, seeds, total

from uniintervene_critic.calibration import calibrate_temporal
from uniintervene_critic.labels import fault_ticks, segments, unproductive_ticks
from uniintervene_critic.risk import TemporalRiskCritic, trigger_ticks

LATE, EARLY = 10, 15  # the scorer's tolerance after a segment; the onset lead before it
all_episodes, out = episodes(), {}
for seed in seeds():
    bundle, calibration, test, traced = seed_split(all_episodes, seed)
    cal_q, test_q = [traced(e)["q"] for e in calibration], [traced(e)["q"] for e in test]
    kinds = {"fault_stall": [0, 0], "pause": [0, 0]}  # [hit, of]
    lengths = {"fault_stall": [], "pause": []}
    for episode, q in zip(test, test_q, strict=True):
        fired = trigger_ticks(TemporalRiskCritic(bundle.config.risk), q)
        faults = segments(fault_ticks(episode))
        for a, c in segments(unproductive_ticks(episode)):
            overlaps = any(fa < c + LATE and a - EARLY < fb for fa, fb in faults)
            kind = "fault_stall" if overlaps else "pause"
            kinds[kind][1] += 1
            lengths[kind].append(c - a)
            kinds[kind][0] += any(a - EARLY <= t < c + LATE for t in fired)
    on_faults, _ = calibrate_temporal(
        cal_q, [segments(fault_ticks(e)) for e in calibration], "on faults"
    )
    ceiling = total(
        [trigger_ticks(TemporalRiskCritic(on_faults), q) for q in test_q],
        [segments(fault_ticks(e)) for e in test],
    )
    out[seed] = {
        "held_rule_recall_by_kind": {
            k: {"hit": h, "of": n, "recall": round(h / n, 3)} for k, (h, n) in kinds.items()
        },
        "median_length_ticks": {k: sorted(v)[len(v) // 2] for k, v in lengths.items()},
        "rule_calibrated_on_fault_labels_vs_faults": rounded(ceiling),
    }
    print(seed, json.dumps(out[seed]), flush=True)
with open("misses_by_kind.json", "w") as file:
    json.dump(out, file, indent=1)
