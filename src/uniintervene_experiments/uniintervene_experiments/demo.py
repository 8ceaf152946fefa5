"""`uniintervene demo` (`make demo`): collect, train, evaluate, report, a short HiL-RL
training run with its learning curve, then one live episode through the ROS graph. Each
step calls its command's function with the demo's settings."""

import shutil
import sys

from uniintervene_sim.tasks import TASKS


def print_live(models, recordings, logs, task="tube_insertion") -> int:
    from uniintervene_experiments.live import live_episode

    result = live_episode(models, recordings, task, log_dir=logs)
    print(
        f"live Arbitrate episode ({task}): outcome {result.outcome}, success {result.success}"
        f", ticks {result.ticks} (policy {result.policy_ticks}, recovery "
        f"{result.recovery_ticks}, human {result.human_ticks}, hold {result.hold_ticks}), "
        f"triggers {result.triggers}, human intervention rate "
        f"{result.human_intervention_rate:.3f}, recording {result.recording}"
    )
    return 0


def short_hilrl_config(steps: int, seed: int):
    """The demo's training run: `ram_insertion` with the experiment's small learner."""
    from uniintervene_experiments.hilrl_config import HilRLConfig
    from uniintervene_learner.action_space import task_action_space
    from uniintervene_learner.sac import SACConfig

    return HilRLConfig(
        task="ram_insertion", system="uniintervene", steps=steps, seed=seed, demos=10,
        updates_per_step=1, eval_every=max(steps // 3, 1), eval_episodes=5,
        final_eval_episodes=10, sac=SACConfig(hidden=(128, 128), batch_size=128, seed=seed),
        action=task_action_space("ram_insertion"),
    )  # fmt: skip


def demo_main(args) -> int:
    from uniintervene_experiments.collect import collect
    from uniintervene_experiments.evaluate import evaluate_and_print
    from uniintervene_experiments.hilrl import train_hilrl
    from uniintervene_experiments.report import write_report
    from uniintervene_experiments.train import train_all

    work, seed = args.workdir, args.seed
    data, models, results = work / "data" / "episodes", work / "models", work / "results"
    steps = [  # (what, how)
        ("collect", lambda: print(f"wrote {len(collect(data, list(TASKS), args.episodes, seed))} "
                                  f"episodes to {data}")),
        ("train", lambda: train_all(data, models, seed)),
        ("eval", lambda: evaluate_and_print(list(TASKS), args.eval_episodes, seed, models, results,
                                            ablations=True)),
        ("report", lambda: [print(f"wrote {path}") for path in write_report(results)]),
        ("a short HiL-RL training run (the learning curve)",
         lambda: train_hilrl(short_hilrl_config(args.hilrl_steps, seed), models, work / "hilrl")),
    ]  # fmt: skip
    shutil.rmtree(work / "hilrl", ignore_errors=True)  # the demo's own previous run
    for name, step in steps:
        print(f"\n=== demo: {name} ===", flush=True)
        try:
            step()
        except Exception:
            print(f"demo stopped: {name} failed", file=sys.stderr)
            raise
    print("\n=== demo: one live episode through the ROS graph ===", flush=True)
    print((results / "results.md").read_text())
    code = print_live(models, work / "recordings", work / "logs")
    print(f"learning curve of the short training run: {work / 'hilrl' / 'learning_curve.png'}")
    return code
