"""critic v2 at 3x the data: 600 fresh layouts (seeds 3000+, never used before), 3 training seeds.
One process, so edits to the working tree during the run change nothing."""

import json
import pathlib
import time

from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.train import TrainConfig, train_critic
from uniintervene_experiments.collect import collect

TASKS = ["pick_eggplant", "ram_insertion", "tube_insertion", "wipe", "fold_towel"]
out = pathlib.Path("/tmp/exp4")
t = time.time()
collect(out / "episodes", TASKS, 120, seed=3000, progress=False)
times = {"collect_s": time.time() - t}
episodes = load_episodes(out / "episodes")
for seed in (0, 1, 2):
    t = time.time()
    report = train_critic(
        episodes, out / f"critic_seed{seed}", TrainConfig(seed=seed), progress=False
    )
    times[f"train_seed{seed}_s"] = time.time() - t
    (out / "times.json").write_text(json.dumps(times, indent=1))
    print(
        seed,
        {k: report["triggers"][k].get("trigger_f1") for k in ("uniintervene", "learned_risk")},
        flush=True,
    )
print("done", flush=True)
