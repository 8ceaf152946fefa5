"""Re-score the fresh600 bundles with a lead: a trigger up to L ticks before a progress
segment's start matches it (the progress label is detected over a 15-tick window, so its
onset lags the stall by up to 15 ticks)."""
import json, sys
import numpy as np
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.train import TrainConfig, split_episodes, episode_tensors
from uniintervene_critic.labels import segments, unproductive_ticks, fault_ticks, score_triggers
from uniintervene_critic.risk import TemporalRiskCritic, ThresholdTrigger, trigger_ticks
from uniintervene_critic.risk_training import traces
from uniintervene_critic.calibration import calibrate_temporal

def lead(segs, L): return [(max(a - L, 0), b) for a, b in segs]
def score(ticks_per_ep, segs_per_ep):
    s = None
    for t, g in zip(ticks_per_ep, segs_per_ep):
        x = score_triggers(t, g); s = x if s is None else s.add(x)
    return {"f1": round(s.f1, 3), "p": round(s.precision, 3), "r": round(s.recall, 3)}

eps = load_episodes('/tmp/exp4/episodes')
out = {}
for seed in map(int, sys.argv[1:]):
    b = CriticBundle.load(f'/tmp/exp4/critic_seed{seed}')
    _, cal, te = split_episodes(eps, seed)
    cfg = TrainConfig(seed=seed)
    tr = lambda e: traces(b.model, episode_tensors(e, b.encoder, cfg, b.config.latent_scale))
    cal_t, te_t = [tr(e) for e in cal], [tr(e) for e in te]
    prog = [segments(unproductive_ticks(e)) for e in te]
    faults = [segments(fault_ticks(e)) for e in te]
    fired = {
        "rule_mined": [trigger_ticks(TemporalRiskCritic(b.config.risk), t["q"]) for t in te_t],
        "head": [trigger_ticks(ThresholdTrigger(b.config.firing), b.risk_head.episode_risk(t["q"], t["latent"], t["future"])) for t in te_t],
        "fault_oracle": [[a for a, _ in f] for f in faults],
    }
    res = {}
    for L in (0, 5, 10, 15):
        cal_prog = [lead(segments(unproductive_ticks(e)), L) for e in cal]
        cfg_priv, _ = calibrate_temporal([t["q"] for t in cal_t], cal_prog, f"priv L{L}")
        f = dict(fired, rule_privileged=[trigger_ticks(TemporalRiskCritic(cfg_priv), t["q"]) for t in te_t])
        res[L] = {k: {"vs_progress": score(v, [lead(s, L) for s in prog]), "vs_faults": score(v, faults)} for k, v in f.items()}
        print(seed, L, json.dumps(res[L]), flush=True)
    out[seed] = res
json.dump(out, open(f'/tmp/exp5/lead_{"_".join(sys.argv[1:])}.json', 'w'), indent=1)
