"""Early stopping measured: the fresh600 recipe with TrainConfig.early_stopping=True, seeds 0-2."""
import json, time, sys
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.train import TrainConfig, train_critic
eps = load_episodes('/tmp/exp4/episodes')
times = {}
for seed in map(int, sys.argv[1:]):
    started = time.time()
    report = train_critic(eps, f'/tmp/exp6/critic_es_seed{seed}', TrainConfig(seed=seed, early_stopping=True), progress=False)
    times[seed] = time.time() - started
    t = report["triggers"]
    keep = lambda r: {k: r.get(k) for k in ("trigger_f1", "precision", "recall", "vs_progress_onset", "vs_faults")}
    print(seed, round(times[seed]), "q_loss", report["q_loss"], json.dumps({k: keep(t[k]) for k in ("uniintervene", "learned_risk")}), flush=True)
json.dump(times, open('/tmp/exp6/times.json', 'w'))
