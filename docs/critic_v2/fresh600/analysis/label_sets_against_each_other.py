"""How consistent are the privileged label sets? A perfect detector of one (firing at the
start of each of its segments), scored against the others, per task and over all episodes.
Prints what label_sets_against_each_other.txt holds."""

import collections

from common import episodes

from uniintervene_critic.labels import (
    fault_ticks,
    onset_segments,
    score_triggers,
    segments,
    unproductive_ticks,
)

PAIRS = {  # name: (detector's label set, the label set it is scored against)
    "fault-oracle vs progress": ("faults", "progress"),
    "fault-oracle vs onsets": ("faults", "onsets"),
    "progress-oracle vs faults": ("progress", "faults"),
}


def add(total, score):
    return score if total is None else total.add(score)


def shown(score) -> str:
    return f"F1 {score.f1:.2f} P {score.precision:.2f} R {score.recall:.2f}"


by_task = collections.defaultdict(lambda: collections.defaultdict(lambda: None))
counts = collections.defaultdict(collections.Counter)
for episode in episodes():
    progress = segments(unproductive_ticks(episode))
    sets = {
        "progress": progress,
        "onsets": onset_segments(progress),
        "faults": segments(fault_ticks(episode)),
    }
    for group in (episode.task, "all"):
        counts[group].update(episodes=1, progress=len(progress), faults=len(sets["faults"]))
        for name, (detector, truth) in PAIRS.items():
            fired = [a for a, _ in sets[detector]]
            by_task[group][name] = add(by_task[group][name], score_triggers(fired, sets[truth]))
for group, scores in by_task.items():
    n = counts[group]
    per_episode = (
        f"progress segs/ep {n['progress'] / n['episodes']:.2f} "
        f"fault segs/ep {n['faults'] / n['episodes']:.2f}"
    )
    pairs = " | ".join(f"{name}: {shown(score)}" for name, score in scores.items())
    print(f"{group:16s} eps {n['episodes']} {per_episode} | {pairs}")
