"""Simulated-cell benchmark: env steps per second, and the scripted expert's success rate.

    source scripts/env.sh
    LP_NUM_THREADS=1 python benchmarks/sim_benchmark.py          # rendering on one core
    python benchmarks/sim_benchmark.py --seeds 50 --steps 200

Prints control steps per second (one step = 0.1 s of physics: 50 MuJoCo steps, IK, and
optionally one camera frame) with and without rendering at 128x128 and 640x480 for one
task, then for every task (fold_towel's flex cloth among them) at 128x128, and the
scripted expert's success rate per task over N seeds.
"""

import argparse
import os
import time

os.environ.setdefault("MUJOCO_GL", "egl")

import mujoco  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from uniintervene_sim.cell import SimCell  # noqa: E402
from uniintervene_sim.model import CameraConfig  # noqa: E402
from uniintervene_sim.tasks import TASKS  # noqa: E402


def steps_per_second(cell: SimCell, steps: int) -> float:
    cell.reset(seed=0)
    started = time.perf_counter()
    for _ in range(steps):
        obs = cell.step(cell.task.expert(cell.scene()))
        status = cell.status()
        if status.success or status.failure:
            cell.reset(seed=int(time.perf_counter_ns() % 1000))
    assert obs["image"].shape[0] == cell.camera.height
    return steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=150, help="control steps per timing")
    parser.add_argument("--seeds", type=int, default=50, help="seeds per task for the expert")
    parser.add_argument("--task", default="tube_insertion", help="task used for the timings")
    args = parser.parse_args()

    threads = os.environ.get("LP_NUM_THREADS", "all cores")
    print(
        f"MuJoCo {mujoco.__version__}, MUJOCO_GL={os.environ['MUJOCO_GL']}, "
        f"Mesa llvmpipe threads: {threads}"
    )
    print(f"\n{'resolution':>10}  {'render':>6}  {'steps/s':>8}  {'ms/step':>8}")
    for width, height in ((128, 128), (640, 480)):
        for render in (False, True):
            cell = SimCell(
                args.task, camera=CameraConfig(width=width, height=height), render=render
            )
            rate = steps_per_second(cell, args.steps)
            cell.close()
            print(f"{width}x{height:<4}  {str(render):>6}  {rate:8.1f}  {1e3 / rate:8.2f}")

    print(f"\nevery task at 128x128, {args.steps} steps each:")
    print(f"{'task':>15}  {'physics':>8}  {'rendered':>8}  (steps/s)")
    for task in TASKS:
        rates = []
        for render in (False, True):
            cell = SimCell(task, render=render)
            rates.append(steps_per_second(cell, args.steps))
            cell.close()
        print(f"{task:>15}  {rates[0]:8.1f}  {rates[1]:8.1f}")

    print(f"\nscripted expert over {args.seeds} seeds (no rendering):")
    cell = SimCell(render=False)
    for task in TASKS:
        outcomes = []
        for seed in tqdm(range(args.seeds), desc=task, leave=False):
            cell.reset(task, seed)
            for _ in range(round(cell.task.episode_seconds / 0.1)):
                cell.step(cell.task.expert(cell.scene()))
                status = cell.status()
                if status.success or status.failure:
                    break
            outcomes.append(status)
        reasons = sorted({s.failure_reason or "timeout" for s in outcomes if not s.success})
        rate = np.mean([s.success for s in outcomes])
        print(f"  {task:<15} success {rate:6.1%}  failures: {', '.join(reasons) or '-'}")


if __name__ == "__main__":
    main()
