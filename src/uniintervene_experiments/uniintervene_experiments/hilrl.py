"""`uniintervene hilrl`: load the models, build the run from the command line, train,
print the summary line (the loop itself is hilrl_loop.py)."""

import json
import pathlib
from dataclasses import fields, replace

from uniintervene_common.options import add_options, option_values
from uniintervene_experiments.controls import CONTROLS
from uniintervene_experiments.hilrl_config import SYSTEMS, HilRLConfig
from uniintervene_experiments.hilrl_loop import HilRLRun
from uniintervene_learner.action_space import task_action_space
from uniintervene_learner.sac import SACConfig


def reference_rates(path: pathlib.Path | None, task: str) -> dict:
    """The control rates a UniIntervene run measured (its summary.json)."""
    if path is None:
        raise ValueError("the controls need --reference: a UniIntervene run's summary.json")
    summary = json.loads(pathlib.Path(path).read_text())
    if summary.get("system") != "uniintervene" or summary.get("task") != task:
        raise ValueError(f"{path}: not a UniIntervene run of {task}")
    if not summary.get("control_rates"):
        raise ValueError(f"{path}: UniIntervene never triggered there; no rate to match")
    return summary["control_rates"]


def override_fields(config, settings: list[str], flag: str):
    """A dataclass of numbers with KEY=VALUE overrides from the command line (`flag` names
    the option in errors)."""
    known = [f.name for f in fields(config)]
    changes = {}
    for item in settings:
        key, _, value = item.partition("=")
        if key not in known or not value:
            raise ValueError(f"{flag}: {item!r} is not KEY=VALUE with KEY in {known}")
        try:
            changes[key] = float(value) if "." in value or "e" in value else int(value)
        except ValueError:
            raise ValueError(f"{flag}: {item!r}: {value!r} is not a number") from None
    return replace(config, **changes)


def limit_threads(threads: int) -> None:
    """One run per core by default: torch's and faiss's (OpenMP) thread pools keep to
    `threads`, so runs side by side do not oversubscribe the cores (numpy's arrays here
    are too small for its BLAS to start threads)."""
    import faiss
    import torch

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)


def run_from_cli(args) -> int:
    """`uniintervene hilrl`: the run from the command line (see `train_hilrl`)."""
    if args.system not in SYSTEMS:
        raise ValueError(f"--system must be one of {', '.join(SYSTEMS)}")
    train_hilrl(config_from_args(args), args.models, args.out, args.threads,
                args.trigger_settings)  # fmt: skip
    return 0


def train_hilrl(config: HilRLConfig, models: pathlib.Path, out: pathlib.Path,
                threads: int = 1, trigger_settings=()) -> dict:  # fmt: skip
    """Load the models, train, print the summary line; the run's summary."""
    if threads < 1:
        raise ValueError("--threads must be at least 1")
    limit_threads(threads)
    from uniintervene_critic.views import camera_mount
    from uniintervene_sim.cell import SimCell
    from uniintervene_sim.model import CameraConfig
    from uniintervene_sim.operator import SimulatedOperator

    bundle, report, memory, recovery_policy = load_models(
        pathlib.Path(models), config.system, trigger_settings
    )
    # the cameras the critic's training episodes were recorded with; no camera images
    # where nothing reads them (HiL-SERL, no trigger, learning from the privileged state)
    cell = SimCell(
        config.task,
        camera=CameraConfig(mount=camera_mount(bundle.config.views)),
        render=not (config.observation == "state" and config.system == "hil_serl"),
    )
    run = HilRLRun(config, cell, SimulatedOperator(), bundle, out, report, memory, recovery_policy)
    summary = run.run()
    print(
        f"{config.system} on {config.task}: success alone "
        f"{summary['initial_success_rate']:.2f} -> {summary['final_success_rate']:.2f} after "
        f"{summary['env_steps']} steps, human IR {summary['human_intervention_rate']:.3f}, "
        f"{summary['wall_seconds']:.0f} s; {out}/summary.json, learning_curve.png"
    )
    return summary


def load_models(models: pathlib.Path, system: str, trigger_settings=()):
    """The critic (its trigger settings overridden), its training report, and for every
    system but HiL-SERL the recovery policy and the memory."""
    from uniintervene_critic.model import CriticBundle
    from uniintervene_recovery.memory import InterventionMemory
    from uniintervene_recovery.policy import RecoveryPolicy

    bundle = CriticBundle.load(models / "critic")
    bundle.config.risk = override_fields(
        bundle.config.risk, list(trigger_settings), "--trigger-settings"
    )
    report = json.loads((models / "critic" / "training_report.json").read_text())
    memory = recovery_policy = None
    if system != "hil_serl":  # every trigger recovers the same way (controls aside)
        recovery_policy = RecoveryPolicy.load(models / "recovery")
        memory = InterventionMemory.load(
            models / "recovery" / "memory.safetensors", bundle.config.latent_dim
        )
    return bundle, report, memory, recovery_policy


RUN_OPTIONS = (  # HilRLConfig's fields on the command line, in --help's order
    "task", "system", "steps", "seed", "demos", "updates_per_step", "eval_every",
    "eval_episodes", "final_eval_episodes",
)  # fmt: skip
SETTING_OPTIONS = (  # ... and the recovery's and the learner's
    "recovery_max_ticks", "recovery_stall_ticks", "recovery_updates_per_step", "observation",
)  # fmt: skip
SAC_OPTIONS = ("hidden", "batch_size")  # SACConfig's


def config_from_args(args) -> HilRLConfig:
    config = HilRLConfig(
        **option_values(args, HilRLConfig, RUN_OPTIONS + SETTING_OPTIONS),
        action=override_fields(
            task_action_space(args.task), args.action_settings, "--action-settings"
        ),
        control_rates=reference_rates(args.reference, args.task)
        if args.system in CONTROLS
        else None,
    )
    sac = replace(config.sac, seed=args.seed, **option_values(args, SACConfig, SAC_OPTIONS))
    config.sac = override_fields(sac, args.sac_settings, "--sac-settings")
    return config


def add_arguments(parser) -> None:
    """`uniintervene hilrl`'s options: the run, then the learner's and trigger's settings."""
    add_options(parser, HilRLConfig, RUN_OPTIONS)
    parser.add_argument(
        "--reference", type=pathlib.Path, help="the controls: a UniIntervene run's summary.json"
    )
    add_options(parser, SACConfig, SAC_OPTIONS)
    add_options(parser, HilRLConfig, SETTING_OPTIONS)
    parser.add_argument(
        "--trigger-settings", nargs="+", default=[], metavar="KEY=VALUE",
        help="override the rule trigger's settings (critic.json's risk: stagnation_limit, "
        "min_duration, gain_epsilon, drawdown_limit, smoothing, warmup)",
    )  # fmt: skip
    parser.add_argument(
        "--sac-settings", nargs="+", default=[], metavar="KEY=VALUE",
        help="override the learner's SAC settings (discount, num_critics, critic_subsample, "
        "critic_actor_ratio, initial_temperature, target_entropy_scale, learning_rate, tau)",
    )  # fmt: skip
    parser.add_argument(
        "--action-settings", nargs="+", default=[], metavar="KEY=VALUE",
        help="override the task's action space (action_spaces.yaml: linear_scale, "
        "angular_scale, gripper_binary=1: the gripper fully open or closed by the sign)",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=int, default=1,
        help="CPU threads of this run (torch, OpenMP, BLAS); 1 lets one run per core go "
        "side by side at full speed",
    )  # fmt: skip
    parser.add_argument("--models", type=pathlib.Path, default=pathlib.Path("models"))
    parser.add_argument("--out", type=pathlib.Path, required=True)
