"""Does the scene camera help once there is 3x the data? 600 new layouts (seeds 5000+,
never used before), recorded with both cameras, three critics on the same episodes and the
same split of each training seed:

- wrist: the scene images dropped (what the bundles hold today);
- both_32: wrist + scene, 32 per view (the same 64-wide joint latent as the wrist alone);
- both_64: wrist + scene, 64 per view (what `uniintervene train` does with two views).

The development set decided the recipe; this set is a second development set, so a gain
here would still need fresh600 (re-collected with both cameras) to be believed.
One process, so edits to the working tree during the run change nothing.
Usage: python docs/critic_v2/two_views600/run.py [OUT [SEED ...]]  (default /tmp/exp9 0)
Results go to results.json beside this script, keyed <arm>_seed<S>; done keys are skipped."""

import json
import pathlib
import sys
import time
from dataclasses import replace

from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.train import TrainConfig, train_critic
from uniintervene_experiments.collect import collect

TASKS = ["pick_eggplant", "ram_insertion", "tube_insertion", "wipe", "fold_towel"]
ARMS = {"wrist": (False, 64), "both_32": (True, 32), "both_64": (True, 64)}


def scores(trigger: dict) -> dict:
    """Held-out F1, precision, recall against the progress segments; F1 against faults."""
    figures = {k: round(trigger[k], 3) for k in ("trigger_f1", "precision", "recall")}
    if "vs_faults" in trigger:
        figures["f1_vs_faults"] = round(trigger["vs_faults"]["trigger_f1"], 3)
    return figures


out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/exp9")
seeds = [int(arg) for arg in sys.argv[2:]] or [0]
results_path = pathlib.Path(__file__).with_name("results.json")
if len(list((out / "episodes").glob("*.safetensors"))) < 120 * len(TASKS):
    t = time.time()
    collect(out / "episodes", TASKS, 120, seed=5000, progress=False, cameras="both")
    print(f"collected in {time.time() - t:.0f} s", flush=True)
episodes = load_episodes(out / "episodes")

results = json.loads(results_path.read_text()) if results_path.exists() else {}
for seed in seeds:
    for arm, (scene, per_view) in ARMS.items():
        key = f"{arm}_seed{seed}"
        if key in results:
            continue
        used = episodes if scene else [replace(e, scene_images=None) for e in episodes]
        t = time.time()
        config = TrainConfig(seed=seed, latent_dim=per_view)
        report = train_critic(used, out / f"critic_{key}", config)
        results[key] = {
            "train_s": round(time.time() - t),
            "q_loss": round(report["q_loss"], 4),
            "value_order_correlation": round(report["value_order_correlation"], 3),
            "held": report["trigger"],
            "triggers": {name: scores(trigger) for name, trigger in report["triggers"].items()},
        }
        results_path.write_text(json.dumps(results, indent=1) + "\n")
        print(key, results[key], flush=True)
print("done", flush=True)
