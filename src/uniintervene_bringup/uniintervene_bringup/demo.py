"""`uniintervene demo` (`make demo`): collect, train, evaluate, report, a short HiL-RL
training run with its learning curve, then one live episode through the ROS graph."""

import shlex
import shutil
import sys


def print_live(models, recordings, logs, task="tube_insertion") -> int:
    from uniintervene_bringup.live import live_episode

    result = live_episode(models, recordings, task, log_dir=logs)
    print(
        f"live Arbitrate episode ({task}): outcome {result.outcome}, success {result.success}"
        f", ticks {result.ticks} (policy {result.policy_ticks}, recovery "
        f"{result.recovery_ticks}, human {result.human_ticks}, hold {result.hold_ticks}), "
        f"triggers {result.triggers}, human intervention rate "
        f"{result.human_intervention_rate:.3f}, recording {result.recording}"
    )
    return 0


def demo_main(args) -> int:
    from uniintervene_bringup.cli import main as cli_main  # each step is a CLI command

    work = args.workdir
    data, models, results = work / "data" / "episodes", work / "models", work / "results"
    seed, hilrl_steps = args.seed, args.hilrl_steps
    # the folders as the shell would quote them: a --workdir may have spaces
    data_q, models_q, results_q, hilrl_q = (shlex.quote(str(p)) for p in
                                            (data, models, results, work / "hilrl"))  # fmt: skip
    steps = [  # (what, the uniintervene command line)
        ("collect", f"collect --episodes {args.episodes} --seed {seed} --out {data_q}"),
        ("train", f"train --data {data_q} --models {models_q} --seed {seed}"),
        ("eval", f"eval --episodes {args.eval_episodes} --seed {seed} --models {models_q} "
                 f"--out {results_q} --ablations"),
        ("report", f"report --results {results_q}"),
        ("a short HiL-RL training run (the learning curve)",
         f"hilrl --task ram_insertion --system uniintervene --steps {hilrl_steps} --seed {seed} "
         "--updates-per-step 1 --hidden 128 128 --batch-size 128 --demos 10 "
         f"--eval-every {max(hilrl_steps // 3, 1)} --eval-episodes 5 --final-eval-episodes 10 "
         f"--models {models_q} --out {hilrl_q}"),
    ]  # fmt: skip
    shutil.rmtree(work / "hilrl", ignore_errors=True)  # the demo's own previous run
    for name, command in steps:
        print(f"\n=== demo: {name} ===", flush=True)
        code = cli_main(shlex.split(command))
        if code:
            print(f"demo stopped: {name} failed", file=sys.stderr)
            return code
    print("\n=== demo: one live episode through the ROS graph ===", flush=True)
    print((results / "results.md").read_text())
    code = print_live(models, work / "recordings", work / "logs")
    print(f"learning curve of the short training run: {work / 'hilrl' / 'learning_curve.png'}")
    return code
