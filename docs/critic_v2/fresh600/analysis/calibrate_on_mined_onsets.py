"""Calibrate the rule on mined segments backdated by the mining window (their onsets), score vs progress onsets and faults."""
import json, sys
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.train import TrainConfig, split_episodes, episode_tensors
from uniintervene_critic.labels import segments, privileged_label_sets
from uniintervene_critic.mining import load_mining_config, mined_flags
from uniintervene_critic.risk import TemporalRiskCritic
from uniintervene_critic.risk_training import traces, scored_against
from uniintervene_critic.calibration import calibrate_temporal, f1_of
eps = load_episodes('/tmp/exp4/episodes')
mining = load_mining_config(None)
out = {}
for seed in map(int, sys.argv[1:]):
    b = CriticBundle.load(f'/tmp/exp4/critic_seed{seed}')
    _, cal, te = split_episodes(eps, seed)
    cfg = TrainConfig(seed=seed)
    tr = lambda e: traces(b.model, episode_tensors(e, b.encoder, cfg, b.config.latent_scale))["q"]
    cal_q, te_q = [tr(e) for e in cal], [tr(e) for e in te]
    sets = privileged_label_sets(te)
    res = {}
    for lead in (0, mining.window):
        mined = [[(max(a - lead, 0), c) for a, c in segments(mined_flags(q, e.sources, mining))] for e, q in zip(cal, cal_q)]
        config, cal_f1 = calibrate_temporal(cal_q, mined, f"mined lead {lead}")
        res[lead] = scored_against(lambda labels: f1_of(lambda: TemporalRiskCritic(config), te_q, labels), sets)
        print(seed, lead, json.dumps(res[lead]), flush=True)
    out[seed] = res
json.dump(out, open('/tmp/exp5/mined_onset.json', 'w'), indent=1)
