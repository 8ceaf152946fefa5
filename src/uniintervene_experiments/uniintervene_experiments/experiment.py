"""`uniintervene experiment`: the paper's table as HiL-RL training runs.

For every task, system and training seed, one `uniintervene hilrl` run in its own process
(same demonstrations, seeds and budget; the simulated operator), then the trained policy
alone on 20 held-out layouts. Runs live in DIR/runs/<task>/<system>/seed<k>/; a finished
one (its summary.json has a final success rate) is never rerun, an unfinished one is
started again from scratch, so an experiment can be stopped (Ctrl-C), resumed, run on a
Ray cluster (`--executor ray`, run_executors.py), or split over machines by hand (copy the
run folders into one DIR, then `--aggregate-only`).

The controls fire at the rate, and recover for the length, that UniIntervene's run of the
same task and seed measured, so they wait for it.
"""

import json
import pathlib
import time
from dataclasses import dataclass

from uniintervene_common.options import add_options, as_argv, option_values
from uniintervene_experiments.controls import CONTROLS
from uniintervene_experiments.hilrl_config import HilRLConfig
from uniintervene_experiments.run_executors import EXECUTORS, LocalExecutor, RayExecutor
from uniintervene_learner.sac import SACConfig

ABLATION_TASKS = ("pick_eggplant", "ram_insertion")  # as the paper's ablation table
# what every run of the experiment gets (HilRLConfig's options; help and the other
# defaults there): the budget of a two-core computer, smaller networks than hilrl's
RUN_DEFAULTS = {
    "steps": 10_000, "updates_per_step": 1, "hidden": (128, 128), "batch_size": 128,
    "eval_every": 2_500, "eval_episodes": 5,
}  # fmt: skip
RUN_OPTIONS = {
    HilRLConfig: ("steps", "updates_per_step", "demos", "eval_every", "eval_episodes",
                  "final_eval_episodes", "recovery_max_ticks", "observation"),
    SACConfig: ("hidden", "batch_size"),
}  # fmt: skip
DEFAULT_SYSTEMS = (
    "hil_serl",
    "failure_prediction",
    "uniintervene",
    *CONTROLS,
    "uniintervene_no_recovery_data",
)


@dataclass(frozen=True)
class RunSpec:
    task: str
    system: str
    seed: int

    def folder(self, out: pathlib.Path) -> pathlib.Path:
        return out / "runs" / self.task / self.system / f"seed{self.seed}"

    def reference(self) -> "RunSpec | None":
        """The UniIntervene run a control takes its rates from."""
        return RunSpec(self.task, "uniintervene", self.seed) if self.system in CONTROLS else None

    @property
    def name(self) -> str:
        return f"{self.task}/{self.system}/seed{self.seed}"


def plan(tasks, systems, seeds, ablations: bool) -> list[RunSpec]:
    """Every run, UniIntervene's before the controls that need it."""
    from uniintervene_experiments.evaluation import ABLATIONS  # torch: only when planning

    systems = list(systems)
    if any(s in CONTROLS for s in systems) and "uniintervene" not in systems:
        raise ValueError("the controls match UniIntervene's runs: include uniintervene")
    order = {
        s: i for i, s in enumerate(dict.fromkeys(["uniintervene", *DEFAULT_SYSTEMS, *ABLATIONS]))
    }
    specs = [RunSpec(t, s, seed) for t in tasks for s in systems for seed in seeds]
    specs = list(dict.fromkeys(specs))  # a run asked for twice runs once
    if ablations:
        specs += [
            RunSpec(t, s, seed)
            for t in tasks
            if t in ABLATION_TASKS
            for s in ABLATIONS
            for seed in seeds
        ]
    specs = list(dict.fromkeys(specs))
    return sorted(specs, key=lambda r: (r.system in CONTROLS, order.get(r.system, 99), r.task))


SETTING_DEFAULTS = {"observation": "latent"}


def finished(out: pathlib.Path, spec: RunSpec, settings: dict | None = None) -> bool:
    """The run has its final result; with `settings`, made with those (else an error:
    a resumed or merged experiment must not mix budgets)."""
    path = spec.folder(out) / "summary.json"
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    if summary.get("final_success_rate") is None:
        return False
    # runs from before a setting existed were made with its default
    made = {key: summary["config"].get(key, SETTING_DEFAULTS.get(key)) for key in settings or {}}
    if settings and made != settings:
        raise ValueError(
            f"{path} was made with {made}, not {settings}: use another --out or the same settings"
        )
    return True


def run_settings(options: list[str]) -> dict:
    """What a finished run must have been made with, from the hilrl options."""
    values, flag = {}, None
    for token in options:  # "--flag value [value ...]"
        if token.startswith("--"):
            flag = token
        else:
            values.setdefault(flag, token)
    return {
        "steps": int(values["--steps"]),
        "updates_per_step": int(values["--updates-per-step"]),
        "demos": int(values["--demos"]),
        "final_eval_episodes": int(values["--final-eval-episodes"]),
        "recovery_max_ticks": int(values.get("--recovery-max-ticks", 0)),
        "observation": values.get("--observation", "latent"),
    }


def run_all(specs, out: pathlib.Path, executor, settings: dict | None = None) -> list[str]:
    """Run what is not finished on `executor` (run_executors); returns the failures."""
    failures, started = [], time.monotonic()
    try:
        pending = [s for s in specs if not finished(out, s, settings)]
        print(f"{len(specs)} runs planned, {len(specs) - len(pending)} already finished, "
              f"{len(pending)} to run")  # fmt: skip
        (out / "logs").mkdir(parents=True, exist_ok=True)
        while pending or executor.running:
            for spec, exited_cleanly in executor.ended():
                ok = exited_cleanly and finished(out, spec)
                if not ok:
                    failures.append(spec.name)
                elapsed = (time.monotonic() - started) / 60
                print(f"[{elapsed:6.1f} min] {'done' if ok else 'FAILED'} {spec.name}", flush=True)
            for spec in ready(pending, specs, out, failures, executor.free()):
                executor.start(spec)
            time.sleep(1.0)
    except KeyboardInterrupt:
        print("stopped: finished runs are kept, unfinished ones restart on the next call")
        raise
    finally:
        executor.stop()
    return failures


def ready(pending: list, specs, out: pathlib.Path, failures: list, free: int) -> list:
    """Up to `free` pending runs that may start now (taken out of `pending`): a control
    waits for its UniIntervene reference run, and fails when that failed or is absent."""
    chosen = []
    for spec in list(pending):
        if len(chosen) >= free:
            break
        reference = spec.reference()
        if reference is not None and not finished(out, reference):
            if reference.name in failures or reference not in specs:
                pending.remove(spec)
                failures.append(f"{spec.name} (no UniIntervene reference)")
            continue  # waits for its reference run
        pending.remove(spec)
        chosen.append(spec)
    return chosen


def make_executor(args, options: list[str]):
    if args.executor == "ray":
        return RayExecutor(args.out, options, args.models, args.address)
    if args.address:
        raise SystemExit("--address is the Ray cluster's: use it with --executor ray")
    return LocalExecutor(args.out, options, args.models, args.jobs)


def run_options(args) -> list[str]:
    """The options every run of the experiment gets, as `uniintervene hilrl` reads them."""
    values = {}
    for config_type, names in RUN_OPTIONS.items():
        values |= option_values(args, config_type, names)
    return as_argv(values)


def add_arguments(parser) -> None:
    parser.add_argument("--tasks", default="pick_eggplant,ram_insertion")
    parser.add_argument(
        "--systems",
        default=",".join(DEFAULT_SYSTEMS),
        help="comma-separated; the controls need uniintervene",
    )
    parser.add_argument("--ablations", action="store_true", help=f"also on {ABLATION_TASKS}")
    parser.add_argument("--seeds", default="0,1,2", help="training seeds")
    for config_type, names in RUN_OPTIONS.items():
        add_options(parser, config_type, names, RUN_DEFAULTS)
    parser.add_argument("--models", type=pathlib.Path, default=pathlib.Path("models"))
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument(
        "--executor", default="local", choices=EXECUTORS,
        help="local: processes on this computer (--jobs); ray: Ray tasks of one CPU each on "
        "the cluster at --address (none: a Ray started here), run folders gathered here",
    )  # fmt: skip
    parser.add_argument("--address", help="the Ray cluster's head, e.g. 10.0.0.5:6379")
    parser.add_argument("--jobs", type=int, default=2, help="local runs at once (one core each)")
    parser.add_argument(
        "--aggregate-only", action="store_true", help="only (re)write the results from DIR/runs"
    )


def main(args) -> int:
    from uniintervene_experiments.runs_report import markdown, write

    args.out.mkdir(parents=True, exist_ok=True)
    if not args.aggregate_only:
        specs = plan(
            args.tasks.split(","),
            args.systems.split(","),
            [int(s) for s in args.seeds.split(",")],
            args.ablations,
        )
        options = run_options(args)
        settings = run_settings(options)
        failures = run_all(specs, args.out, make_executor(args, options), settings)
        if failures:
            print(f"{len(failures)} runs failed (see {args.out / 'logs'}): {', '.join(failures)}")
    results = write(args.out)
    print(markdown(results))
    print(f"wrote {args.out}/results.json, results.md, ir_over_training.png, "
          "success_over_training.png, success_vs_human_ticks.png")  # fmt: skip
    return 0
