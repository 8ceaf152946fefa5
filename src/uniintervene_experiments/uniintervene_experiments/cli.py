"""The `uniintervene` command line (the experiments package's entry point).

uniintervene collect --episodes 30 --out data/episodes
uniintervene import recordings/ --out data/episodes --labels labels.yaml
uniintervene train --data data/episodes --models models
uniintervene eval --tasks pick_eggplant,tube_insertion --episodes 20 --seed 0 --out results
uniintervene report --results results
uniintervene hilrl --task pick_eggplant --system uniintervene --steps 30000 --out runs/pick
uniintervene experiment --tasks pick_eggplant,ram_insertion --seeds 0,1,2 --out experiment
uniintervene train-reward --episodes data/cell_episodes --models models --out models/reward
"""

import argparse
import pathlib
import sys

from uniintervene_common.topics import POLICY_WEIGHTS
from uniintervene_critic.cli import add_encoder_arguments, encoder_options
from uniintervene_experiments import experiment as experiment_command
from uniintervene_experiments.demo import demo_main, print_live
from uniintervene_sim.tasks import TASKS as SIM_TASKS

TASKS = ",".join(SIM_TASKS)  # every task, in the paper's order


def import_recordings(args) -> int:
    """MCAP recordings (files or folders) -> episode files; a bad file is reported, skipped."""
    import yaml
    from tqdm import tqdm

    from uniintervene_critic.dataset import save_episode
    from uniintervene_experiments.recordings import RecordingError, episode_from_recording
    from uniintervene_experiments.tracking_report import report_lag

    labels = {}
    if args.labels:
        try:
            labels = yaml.safe_load(args.labels.read_text()) or {}
        except yaml.YAMLError as error:
            raise ValueError(f"{args.labels}: not YAML ({error})") from error
    if not isinstance(labels, dict) or not all(isinstance(v, bool) for v in labels.values()):
        raise ValueError(f"{args.labels}: expected 'file.mcap: true|false' lines")
    paths = []
    for given in args.recordings:
        paths += sorted(given.glob("*.mcap")) if given.is_dir() else [given]
    if not paths:
        raise FileNotFoundError(f"no .mcap recordings in {[str(p) for p in args.recordings]}")
    failed = 0
    for path in tqdm(paths, desc="importing recordings"):
        try:
            episode = episode_from_recording(
                path, labels.get(path.name), args.image_size, takeover_window=args.takeover_window
            )
        except (RecordingError, FileNotFoundError) as error:
            failed += 1
            tqdm.write(f"skipped {error}")
            continue
        save_episode(episode, args.out / f"{path.stem}.safetensors")
        figure = args.out / f"{path.stem}_tracking.png"
        ratio = report_lag(path, figure, args.tracking_tolerance)
        if ratio is not None and ratio < 1.0 - args.tracking_tolerance:
            tqdm.write(f"{path.name}: the arm made {ratio:.0%} of the commanded speed: {figure}")
    print(f"imported {len(paths) - failed} of {len(paths)} recordings into {args.out}")
    return 1 if failed else 0


def run_graph(args) -> int:
    import time

    from uniintervene_bringup.launched_graph import graph_runner

    runner = graph_runner(
        args.graph,
        log_dir=args.logs,
        models=args.models,
        recordings=args.recordings,
        autonomous=not args.no_autonomous,
        memory=args.memory or "",
        namespace=args.namespace,
        mock_hardware=args.mock_hardware,
        policy=args.policy,
        task=args.task,
        learner_dir=str(args.learner_dir),
        weights_topic=args.weights_topic,
    )
    runner.start()
    print(
        f"started {len(runner.processes)} nodes ({args.graph} graph); logs in {args.logs}/; "
        "Ctrl-C stops them"
    )
    try:
        while not runner.dead():
            time.sleep(0.5)
        print(f"stopping: {runner.dead()} exited (see {args.logs}/)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        runner.stop()


# What each command writes and how long it took, measured on the 2-core development machine
# (where each figure was measured is in docs/); its --help and the top-level epilog both
# come from the one `_command` call that adds it.
EPILOG_HEADER = "what each command writes, and its time on 2 cores:"


def _command(commands, name: str, summary: str, writes: str, took: str, handler, details=""):
    """A subcommand whose --help says what it does, what it writes (`writes`) and how long
    it takes (`took`, on 2 cores; `details` for the longer story), run by `handler(args)`."""
    description = f"{summary[0].upper()}{summary[1:]}. Writes {writes}. {details or took}."
    parser = commands.add_parser(name, help=summary, description=description)
    parser.set_defaults(handler=handler)
    parser.epilog_line = f"  {name:<13} {writes}; {took}"
    return parser


def _epilog(commands) -> str:
    lines = [parser.epilog_line for parser in commands.choices.values()]
    return "\n".join([EPILOG_HEADER, *lines, "Details: docs/README.md."])


def build_parser() -> argparse.ArgumentParser:
    """The whole `uniintervene` argument parser; `main` parses with it, tests check docs with it."""
    parser = argparse.ArgumentParser(
        prog="uniintervene",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    adders = (
        _add_collect, _add_import, _add_train, _add_eval, _add_run, _add_live, _add_demo,
        _add_hilrl, _add_experiment, _add_train_reward, _add_report,
    )  # fmt: skip
    for add in adders:
        add(commands)
    parser.epilog = _epilog(commands)
    return parser


def _add_collect(commands) -> None:
    collect = _command(
        commands, "collect", "record sim episodes (base policy + operator)",
        "DIR/*.safetensors, one per episode", "600 episodes in 7 min", collect_episodes,
        details="600 episodes (120 per task) took 7 min on 2 cores",
    )  # fmt: skip
    collect.add_argument("--tasks", default=TASKS)
    collect.add_argument("--episodes", type=int, default=30, help="per task")
    collect.add_argument("--seed", type=int, default=0)
    collect.add_argument("--out", type=pathlib.Path, default=pathlib.Path("data/episodes"))
    collect.add_argument(
        "--cameras", default="wrist", choices=["wrist", "both"], help="both: wrist + scene"
    )


def _add_import(commands) -> None:
    imp = _command(
        commands, "import", "turn supervisor MCAP recordings into training episodes",
        "DIR/*.safetensors, one per recording", "2 recordings (7 MB) in 1.3 s",
        import_recordings,
        details="With --out DIR, and DIR/<episode>_tracking.png for an episode whose arm "
        "lagged the command. 2 recordings (7 MB) took 1.3 s on 2 cores",
    )  # fmt: skip
    imp.add_argument("recordings", nargs="+", type=pathlib.Path, help=".mcap files or folders")
    imp.add_argument("--out", type=pathlib.Path, default=pathlib.Path("data/episodes"))
    imp.add_argument(
        "--labels",
        type=pathlib.Path,
        help="YAML 'file.mcap: true|false' success labels (overrides the recorded outcome)",
    )
    imp.add_argument("--image-size", type=int, default=128, help="stored frame size, px")
    imp.add_argument(
        "--takeover-window",
        type=int,
        default=20,
        help="ticks before a human takeover labelled unproductive (real cell)",
    )
    imp.add_argument(
        "--tracking-tolerance",
        type=float,
        default=0.3,
        help="an episode whose arm made less than 1 - this of the commanded speed gets "
        "a figure (<episode>_tracking.png)",
    )


def _add_train(commands) -> None:
    train = _command(
        commands, "train", "train the critic, then the recovery",
        "MODELS/critic/, MODELS/recovery/", "critic 4 min on 200 episodes", train_models,
        details="The critic's bundle, training report and loss plot; the recovery's policy, "
        "memory and report. The critic took 4 min on 200 episodes and 17 to 29 min on 600 "
        "(2 cores); the recovery's time was not measured on its own",
    )  # fmt: skip
    train.add_argument("--data", type=pathlib.Path, default=pathlib.Path("data/episodes"))
    train.add_argument("--models", type=pathlib.Path, default=pathlib.Path("models"))
    train.add_argument("--seed", type=int, default=0)
    add_encoder_arguments(train)


def _add_eval(commands) -> None:
    ev = _command(
        commands, "eval", "the supervised-episode experiment on the simulated cell",
        "OUT/results.json", "250 episodes in 11 min", evaluate_systems,
        details="250 episodes (10 per task and system) took 11 min on 2 cores beside two "
        "training runs",
    )  # fmt: skip
    ev.add_argument("--tasks", default=TASKS)
    ev.add_argument("--episodes", type=int, default=20, help="per task and system")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--models", type=pathlib.Path, default=pathlib.Path("models"))
    ev.add_argument("--out", type=pathlib.Path, default=pathlib.Path("results"))
    ev.add_argument("--ablations", action="store_true", help="also run the ablation variants")
    ev.add_argument("--failure-rate", type=float, default=0.6)
    ev.add_argument(
        "--systems",
        help="comma list (default: the baselines and controls, plus --ablations), e.g. "
        "uniintervene_learned_risk,uniintervene_rule_risk to compare the value-risk triggers",
    )


def _add_run(commands) -> None:
    run = _command(
        commands, "run", "start a node graph (sim or real), Ctrl-C stops it",
        "logs/, recordings/*.mcap, learner/", "runs until Ctrl-C", run_graph,
        details="A log per node into --logs, one MCAP recording per episode into --recordings, "
        "the learner's buffers and checkpoints into --learner-dir. Runs until Ctrl-C",
    )  # fmt: skip
    run.add_argument("--graph", default="sim", choices=["sim", "real"])
    run.add_argument("--models", type=pathlib.Path, default=pathlib.Path("models"))
    run.add_argument(
        "--memory", type=pathlib.Path, help="memory file (default: the one in --models)"
    )
    run.add_argument("--recordings", type=pathlib.Path, default=pathlib.Path("recordings"))
    run.add_argument("--no-autonomous", action="store_true", help="HiL-SERL: human only")
    run.add_argument("--logs", type=pathlib.Path, default=pathlib.Path("logs"))
    run.add_argument("--namespace", default="", help="the cell's namespace, e.g. cell_2")
    run.add_argument(
        "--mock-hardware",
        action="store_true",
        help="real graph on ros2_control's mock arm: do not wait for a robot program",
    )
    run.add_argument(
        "--policy",
        default="",
        choices=["", "scripted", "learned", "actor"],
        help="scripted expert, learned (actor + learner), actor only (a shared learner); "
        "default: sim scripted, real learned",
    )
    run.add_argument("--task", default="pick_eggplant", help="the learner's task (action space)")
    run.add_argument("--learner-dir", type=pathlib.Path, default=pathlib.Path("learner"))
    run.add_argument(
        "--weights-topic",
        default=POLICY_WEIGHTS,
        help="the actor's weights (absolute for a learner shared by several cells)",
    )


def _add_live(commands) -> None:
    live = _command(
        commands, "live", "one Arbitrate episode through the sim graph",
        "recordings/*.mcap, logs/", "not measured alone (part of make demo's 7 min 54 s)",
        lambda args: print_live(args.models, args.recordings, args.logs, args.task),
    )  # fmt: skip
    live.add_argument("--task", default="tube_insertion")
    live.add_argument("--models", type=pathlib.Path, default=pathlib.Path("models"))
    live.add_argument("--recordings", type=pathlib.Path, default=pathlib.Path("recordings"))
    live.add_argument("--logs", type=pathlib.Path, default=pathlib.Path("logs"))


def _add_demo(commands) -> None:
    demo = _command(
        commands, "demo", "collect, train, eval, report, a short HiL-RL run, one live episode",
        "data/, models/, results/, hilrl/, recordings/, logs/",
        "7 min 54 s", demo_main,
        details="make demo took 7 min 54 s on a fresh clone with 2 cores, setup included",
    )  # fmt: skip
    demo.add_argument("--episodes", type=int, default=20, help="collected per task")
    demo.add_argument("--eval-episodes", type=int, default=5, help="per task and system")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("."))
    demo.add_argument(
        "--hilrl-steps", type=int, default=8000, help="the short training run's env steps"
    )


def _add_hilrl(commands) -> None:
    from uniintervene_experiments import hilrl as hilrl_command

    hil = _command(
        commands, "hilrl", "train a policy by HiL-RL on the simulated cell",
        "OUT/summary.json, learning_curve.png, buffers, checkpoint",
        "30k steps in 33-35 min", hilrl_command.run_from_cli,
        details="30 000 steps at the defaults took 33 to 35 min (two runs side by side on 2 "
        "cores); 10 000 steps with --hidden 128 128 --batch-size 128 --updates-per-step 1 took "
        "2.4 to 3.6 min",
    )  # fmt: skip
    hilrl_command.add_arguments(hil)


def _add_experiment(commands) -> None:
    experiment = _command(
        commands, "experiment", "the paper's table as HiL-RL training runs, with controls",
        "OUT/runs/, results.json, results.md, 3 plots", "42 runs in 103 min",
        experiment_command.main,
        details="OUT/runs/<task>/<system>/seed<k>/ per run. 42 runs of 10 000 steps took "
        "55 + 48 min on 2 cores (--jobs 2)",
    )  # fmt: skip
    experiment_command.add_arguments(experiment)


def _add_train_reward(commands) -> None:
    from uniintervene_experiments.train_reward import train_reward_from_cli

    rew = _command(
        commands, "train-reward", "the real cell's success classifier from labelled episodes",
        "MODELS/reward/ (--out), where reward_node loads it", "50 episodes in 5 s",
        train_reward_from_cli, details="50 episodes and 2000 steps took 5 s on 2 cores",
    )  # fmt: skip
    rew.add_argument("--episodes", type=pathlib.Path, required=True, help="uniintervene import's")
    rew.add_argument("--models", type=pathlib.Path, default=pathlib.Path("models"))
    rew.add_argument("--out", type=pathlib.Path, default=pathlib.Path("models/reward"))
    rew.add_argument("--positive-ticks", type=int, default=5, help="last ticks of a success")
    rew.add_argument("--margin-ticks", type=int, default=10, help="left out before those")
    rew.add_argument("--threshold", type=float, default=0.5)
    rew.add_argument("--consecutive", type=int, default=3, help="frames above it for success")
    rew.add_argument("--steps", type=int, default=2000, help="gradient steps (batch 128)")
    rew.add_argument("--seed", type=int, default=0)


def _add_report(commands) -> None:
    rep = _command(
        commands, "report", "results.md and plots from results.json",
        "RESULTS/results.md and 2 plots", "2 s", write_report,
        details="results.md, ir_sr_bars.png and value_risk_episode.png into --results. 2 s "
        "on 2 cores",
    )  # fmt: skip
    rep.add_argument("--results", type=pathlib.Path, default=pathlib.Path("results"))


# -- the commands ---------------------------------------------------------------------------
def collect_episodes(args) -> int:
    from uniintervene_experiments.collect import collect

    paths = collect(args.out, args.tasks.split(","), args.episodes, args.seed, cameras=args.cameras)
    print(f"wrote {len(paths)} episodes to {args.out}")
    return 0


def train_models(args) -> int:
    from uniintervene_experiments.train import train_all

    train_all(args.data, args.models, args.seed, encoder_options(args))
    return 0


def write_report(args) -> int:
    from uniintervene_experiments.report import write_report as write

    for path in write(args.results):
        print(f"wrote {path}")
    return 0


def evaluate_systems(args) -> int:
    from uniintervene_experiments.evaluate import evaluate_and_print

    evaluate_and_print(
        args.tasks.split(","), args.episodes, args.seed, args.models, args.out, args.ablations,
        args.failure_rate, args.systems.split(",") if args.systems else None,
    )  # fmt: skip
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from uniintervene_critic.dataset import EpisodeFileError
    from uniintervene_critic.model import ModelFileError
    from uniintervene_recovery.memory import MemoryFileError

    try:
        return args.handler(args)
    except (EpisodeFileError, ModelFileError, MemoryFileError, FileNotFoundError,
            ValueError) as error:  # fmt: skip
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
