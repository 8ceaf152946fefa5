"""What one HiL-RL run is: the systems it can run (baselines, controls, oracles,
ablations), its configuration (whose `option` fields are `uniintervene hilrl`'s options)
and the graph settings it overrides. The loop that runs it: hilrl_loop.py."""

from dataclasses import dataclass, field, replace

from uniintervene_common.options import option
from uniintervene_experiments.controls import CONTROLS
from uniintervene_experiments.evaluation import ABLATIONS, TRIGGER_MODE, TRIGGER_VARIANTS
from uniintervene_experiments.observations import OBSERVATIONS
from uniintervene_experiments.oracles import ORACLES
from uniintervene_experiments.supervision import GraphSettings
from uniintervene_learner.action_space import ActionSpaceConfig
from uniintervene_learner.sac import SACConfig

BASELINES = ("hil_serl", "failure_prediction", "uniintervene")
NO_RECOVERY_DATA = "uniintervene_no_recovery_data"
SYSTEMS = (*BASELINES, *CONTROLS, NO_RECOVERY_DATA, *ORACLES, *ABLATIONS, *TRIGGER_VARIANTS)
TRIGGER_MODE = {**TRIGGER_MODE, NO_RECOVERY_DATA: "value_risk"} | dict.fromkeys(
    ORACLES, "value_risk"
)
EVAL_SEED_OFFSET = 900_000  # never a training seed (training: seed * 100000 + episode)


SYSTEMS_HELP = (
    "hil_serl, failure_prediction, uniintervene; controls zero_recovery, periodic_trigger "
    "(need --reference); uniintervene_no_recovery_data; the ablations; oracle_recovery, "
    "oracle_trigger, oracle, pose_servo_recovery, oracle_trigger_pose_servo (sim-only bounds)"
)


@dataclass
class HilRLConfig:
    """One run; the fields declared with `option` are `uniintervene hilrl`'s options."""

    task: str = option("pick_eggplant", "the simulated task")
    system: str = option("uniintervene", SYSTEMS_HELP)
    steps: int = option(30_000, "environment steps of training")
    seed: int = option(0, "training seed (layouts, exploration, networks)")
    demos: int = option(20, "scripted-expert demonstrations in the prior buffer (HiL-SERL: 20)")
    updates_per_step: int = option(
        2, "learner iterations per environment step (each: 2 critic + 1 actor update); 2 is "
        "HiL-SERL's learner at ~20 it/s beside a 10 Hz robot",
    )  # fmt: skip
    warmup_steps: int = 500  # env steps before the first update
    eval_every: int = option(2_000, "environment steps between points of the curve")
    eval_episodes: int = option(10, "episodes per point of the curve")
    final_eval_episodes: int = option(20, "held-out layouts of the final evaluation")
    max_episode_ticks: int = 0  # 0: the task's own length (a shorter cap for quick checks)
    # UniIntervene's trigger rate and recovery length on this task (the controls need it)
    control_rates: dict | None = None
    # 4 s: the graph's 3 ticks were tuned for the scripted base policy; 20 to 80 measured
    # alike on validation seed 10 (docs/notes/2026-12-04-experiment-v2.md)
    recovery_max_ticks: int = option(
        40, "a recovery's time cap, ticks; 0: supervisor.yaml's recovery_max_ticks"
    )
    recovery_stall_ticks: int = option(
        0, "ticks without a value gain that end a recovery; 0: recovery.yaml's stall_ticks"
    )
    recovery_updates_per_step: int = option(
        1, "recovery-policy gradient steps per env step on the memory's segments (0: frozen)"
    )
    observation: str = option(
        "latent", "what the learner sees beside the joints: the frozen encoder's latent (as "
        "deployed), the simulator's privileged object poses (a ceiling), or both",
        choices=OBSERVATIONS,
    )  # fmt: skip
    sac: SACConfig = field(default_factory=SACConfig)
    action: ActionSpaceConfig = field(default_factory=ActionSpaceConfig)


def graph_settings(config: HilRLConfig) -> GraphSettings:
    """The graph's settings (supervisor.yaml, recovery.yaml) with the run's recovery
    overrides."""
    settings = GraphSettings.load()
    if config.recovery_max_ticks:
        settings.recovery = replace(settings.recovery, max_ticks=config.recovery_max_ticks)
    if config.recovery_stall_ticks:
        settings.recovery = replace(settings.recovery, stall_ticks=config.recovery_stall_ticks)
    return settings
