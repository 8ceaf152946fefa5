"""The held rule (warm-up 30, as calibrated on mined labels in warmup_fresh600.json) per
task on fresh600's test split: F1 against each privileged label set, and how many
segments and triggers each task has. Under "all", also against the progress segments that
overlap a fault (from up to 15 ticks before it), i.e. without the expert's own pauses,
and their onsets. Writes per_task.json."""

import json
from collections import defaultdict

from common import episodes, rounded, seed_split, seeds, total

from uniintervene_critic.labels import UnproductiveSpec, onset_segments, privileged_label_sets
from uniintervene_critic.risk import RiskConfig, TemporalRiskCritic, trigger_ticks

calibrated = json.load(open("warmup_fresh600.json"))
all_episodes, out = episodes(), {}
for seed in seeds():
    _, _, test, traced = seed_split(all_episodes, seed)
    risk = RiskConfig(**calibrated[str(seed)]["30"]["risk"])
    fired = [trigger_ticks(TemporalRiskCritic(risk), traced(e)["q"]) for e in test]
    label_sets = privileged_label_sets(test)
    by_task = defaultdict(list)
    for i, episode in enumerate(test):
        by_task[episode.task].append(i)
    lead = UnproductiveSpec().window  # a stall began up to a window before its segment
    faulty = [
        [(a, b) for a, b in progress if any(a < fb + lead and fa < b for fa, fb in faults)]
        for progress, faults in zip(label_sets["progress"], label_sets["faults"], strict=True)
    ]
    out[seed] = {
        "all": {
            name: rounded(total(fired, labels)) | {"segments": sum(map(len, labels))}
            for name, labels in (
                *label_sets.items(),
                ("progress_overlapping_faults", faulty),
                ("their_onsets", [onset_segments(s) for s in faulty]),
            )
        }
    }
    print(seed, "all", json.dumps(out[seed]["all"]), flush=True)
    for task, index in sorted(by_task.items()):
        out[seed][task] = {
            name: rounded(total([fired[i] for i in index], [labels[i] for i in index]))
            | {"segments": sum(len(labels[i]) for i in index)}
            for name, labels in label_sets.items()
        } | {"episodes": len(index), "triggers": sum(len(fired[i]) for i in index)}
        print(seed, task, json.dumps(out[seed][task]), flush=True)
with open("per_task.json", "w") as file:
    json.dump(out, file, indent=1)
