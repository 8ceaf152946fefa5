"""Which progress segments does the held rule miss: stalls that are the policy's faults, or the expert's own pauses?
And the rule family's ceiling against the fault labels (calibrated on the calibration split's fault segments)."""
import json, sys
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.train import TrainConfig, split_episodes, episode_tensors
from uniintervene_critic.labels import segments, unproductive_ticks, fault_ticks, score_triggers
from uniintervene_critic.risk import TemporalRiskCritic, trigger_ticks
from uniintervene_critic.risk_training import traces
from uniintervene_critic.calibration import calibrate_temporal

TOL, LEAD = 10, 15
eps = load_episodes('/tmp/exp4/episodes')
out = {}
for seed in map(int, sys.argv[1:]):
    b = CriticBundle.load(f'/tmp/exp4/critic_seed{seed}')
    _, cal, te = split_episodes(eps, seed)
    cfg = TrainConfig(seed=seed)
    tr = lambda e: traces(b.model, episode_tensors(e, b.encoder, cfg, b.config.latent_scale))
    cal_q, te_q = [tr(e)["q"] for e in cal], [tr(e)["q"] for e in te]
    kinds = {"fault_stall": [0, 0], "pause": [0, 0]}  # [hit, total]
    lengths = {"fault_stall": [], "pause": []}
    for e, q in zip(te, te_q):
        fired = trigger_ticks(TemporalRiskCritic(b.config.risk), q)
        faults = segments(fault_ticks(e))
        for a, c in segments(unproductive_ticks(e)):
            kind = "fault_stall" if any(fa < c + TOL and a - LEAD < fb for fa, fb in faults) else "pause"
            kinds[kind][1] += 1; lengths[kind].append(c - a)
            kinds[kind][0] += any(a - LEAD <= t < c + TOL for t in fired)
    cfg_f, cal_f1 = calibrate_temporal(cal_q, [segments(fault_ticks(e)) for e in cal], "on faults")
    s = None
    for e, q in zip(te, te_q):
        x = score_triggers(trigger_ticks(TemporalRiskCritic(cfg_f), q), segments(fault_ticks(e))); s = x if s is None else s.add(x)
    out[seed] = {
        "held_rule_recall_by_kind": {k: {"hit": h, "of": n, "recall": round(h / n, 3)} for k, (h, n) in kinds.items()},
        "median_length_ticks": {k: sorted(v)[len(v) // 2] for k, v in lengths.items()},
        "rule_calibrated_on_fault_labels_vs_faults": {"f1": round(s.f1, 3), "p": round(s.precision, 3), "r": round(s.recall, 3)},
    }
    print(seed, json.dumps(out[seed]), flush=True)
json.dump(out, open('/tmp/exp5/breakdown.json', 'w'), indent=1)
