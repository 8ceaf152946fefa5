"""How consistent are the privileged label sets? A perfect detector of one (firing at the
start of each of its segments), scored against the others. Run from the repository root
after `source scripts/env.sh`; the episodes are fresh600's (`uniintervene collect
--episodes 120 --seed 3000`)."""
import numpy as np, collections
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.labels import segments, unproductive_ticks, fault_ticks, score_triggers, onset_segments
eps = load_episodes('/tmp/exp4/episodes')
by_task = collections.defaultdict(lambda: {"f_vs_p": None, "f_vs_o": None, "p_vs_f": None, "np": 0, "nf": 0, "n": 0})
tot = {"f_vs_p": None, "f_vs_o": None, "p_vs_f": None}
def add(a, b): return b if a is None else a.add(b)
for e in eps:
    p = segments(unproductive_ticks(e)); f = segments(fault_ticks(e))
    s1 = score_triggers([a for a, _ in f], p)   # perfect fault detector, vs progress labels
    s2 = score_triggers([a for a, _ in p], f)   # perfect progress detector, vs fault labels
    s3 = score_triggers([a for a, _ in f], onset_segments(p))  # fault detector vs progress onsets
    d = by_task[e.task]; d["f_vs_p"] = add(d["f_vs_p"], s1); d["p_vs_f"] = add(d["p_vs_f"], s2); d["f_vs_o"] = add(d["f_vs_o"], s3)
    d["np"] += len(p); d["nf"] += len(f); d["n"] += 1
    tot["f_vs_p"] = add(tot["f_vs_p"], s1); tot["p_vs_f"] = add(tot["p_vs_f"], s2); tot["f_vs_o"] = add(tot["f_vs_o"], s3)
fmt = lambda s: f"F1 {s.f1:.2f} P {s.precision:.2f} R {s.recall:.2f}"
for t, d in by_task.items():
    print(f"{t:16s} eps {d['n']} progress segs/ep {d['np']/d['n']:.2f} fault segs/ep {d['nf']/d['n']:.2f} | fault-oracle vs progress: {fmt(d['f_vs_p'])}, vs onsets: {fmt(d['f_vs_o'])} | progress-oracle vs faults: {fmt(d['p_vs_f'])}")
print("all:", "fault-oracle vs progress:", fmt(tot["f_vs_p"]), "vs onsets:", fmt(tot["f_vs_o"]), "| progress-oracle vs faults:", fmt(tot["p_vs_f"]))
