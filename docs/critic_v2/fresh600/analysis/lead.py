"""Re-score the fresh600 bundles with a lead: a trigger up to L ticks before a progress
segment's start matches it (the progress label is detected over a 15-tick window, so its
onset lags the stall by up to 15 ticks). L = 15 is `vs_progress_onset`. Writes lead.json."""

import json

from common import episodes, rounded, seed_split, seeds, total

from uniintervene_critic.calibration import calibrate_temporal
from uniintervene_critic.labels import fault_ticks, segments, unproductive_ticks
from uniintervene_critic.risk import TemporalRiskCritic, ThresholdTrigger, trigger_ticks


def earlier(segs, lead):
    return [(max(a - lead, 0), b) for a, b in segs]


all_episodes, out = episodes(), {}
for seed in seeds():
    bundle, calibration, test, traced = seed_split(all_episodes, seed)
    cal_traces, test_traces = [traced(e) for e in calibration], [traced(e) for e in test]
    progress = [segments(unproductive_ticks(e)) for e in test]
    faults = [segments(fault_ticks(e)) for e in test]
    head = bundle.risk_head
    rule = bundle.config.risk
    fired = {
        "rule_mined": [trigger_ticks(TemporalRiskCritic(rule), t["q"]) for t in test_traces],
        "head": [
            trigger_ticks(
                ThresholdTrigger(bundle.config.firing),
                head.episode_risk(t["q"], t["latent"], t["future"]),
            )
            for t in test_traces
        ],
        "fault_oracle": [[a for a, _ in f] for f in faults],
    }  # fmt: skip
    out[seed] = {}
    for lead in (0, 5, 10, 15):
        cal_progress = [earlier(segments(unproductive_ticks(e)), lead) for e in calibration]
        privileged, _ = calibrate_temporal(
            [t["q"] for t in cal_traces], cal_progress, f"privileged, lead {lead}"
        )
        fired["rule_privileged"] = [
            trigger_ticks(TemporalRiskCritic(privileged), t["q"]) for t in test_traces
        ]
        out[seed][lead] = {
            name: {
                "vs_progress": rounded(total(ticks, [earlier(s, lead) for s in progress])),
                "vs_faults": rounded(total(ticks, faults)),
            }
            for name, ticks in fired.items()
        }
        print(seed, lead, json.dumps(out[seed][lead]), flush=True)
with open("lead.json", "w") as file:
    json.dump(out, file, indent=1)
