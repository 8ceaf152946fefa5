"""The paper's experiment in-process: the supervisor core, critic runtime and recovery
controller the ROS graph runs, driven by the Gymnasium-speed simulated cell (no ROS).

Per tick, as in the graph: every source proposes a command (the base policy, the
simulated operator, an active recovery), the critic runtime scores the camera frame,
`SupervisorCore.step` decides (HUMAN > HOLD > RECOVERY > POLICY, safety filter, episode
end), and the cell executes the decision. Systems differ only in what may trigger:

- hil_serl: nothing (human only);
- failure_prediction: the critic's imminent-failure classifier;
- uniintervene: the temporal value-risk trigger, memory target, recovery policy;
- ablations: w/o future prediction (risk on V(z_t)), w/o value prediction (latent
  progress), w/o temporal critic (single-step threshold), w/o memory goal (zero goal);
- controls (controls.py): zero_recovery (the trigger, a still arm), periodic_trigger
  (recoveries at UniIntervene's rate, no critic).
"""

import pathlib
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np
import yaml
from ament_index_python.packages import get_package_share_directory

from uniintervene_bringup.controls import (
    ControlRates,
    PeriodicTrigger,
    ZeroTwistPolicy,
    supervise_inputs,
    zero_recovery_config,
)
from uniintervene_common.params import from_values
from uniintervene_critic.labels import score_triggers, segments, unproductive_flags
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_recovery.controller import RecoveryConfig, start_recovery
from uniintervene_recovery.schema import RECOVERY_NODE
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.core import SupervisorConfig, SupervisorCore, SupervisorInputs
from uniintervene_supervisor.schema import SUPERVISOR_NODE

SYSTEMS = ("hil_serl", "failure_prediction", "uniintervene")
ABLATIONS = (
    "without_future_prediction",
    "without_value_prediction",
    "without_temporal_critic",
    "without_memory_goal",
)


def node_parameters(package: str, node: str) -> dict:
    """A node's installed YAML parameters (config/<file>.yaml of its package)."""
    share = pathlib.Path(get_package_share_directory(package)) / "config"
    for path in sorted(share.glob("*.yaml")):
        sections = yaml.safe_load(path.read_text()) or {}
        if node in sections:
            return sections[node]["ros__parameters"]
    raise FileNotFoundError(f"no parameters of {node} in {share}")


@dataclass
class GraphSettings:
    """What the graph's supervisor and recovery decide with: their schemas' defaults
    overridden by their YAML files, so the harness and `ros2 launch` use the same numbers."""

    supervisor: SimpleNamespace
    recovery: RecoveryConfig

    @classmethod
    def load(cls) -> "GraphSettings":
        supervisor = from_values(
            SUPERVISOR_NODE, node_parameters("uniintervene_supervisor", "supervisor_node")
        )
        recovery = from_values(
            RECOVERY_NODE, node_parameters("uniintervene_recovery", "recovery_node")
        )
        return cls(
            supervisor,
            RecoveryConfig(
                value_margin=recovery.value_margin,
                distance_threshold=recovery.distance_threshold,
                max_ticks=supervisor.recovery_max_ticks,  # the supervisor's goal sets it
            ),
        )


@dataclass
class EpisodeOutcome:
    task: str
    seed: int
    success: bool
    ticks: int
    human_ticks: int
    recovery_ticks: int
    autonomous_interventions: int
    trigger_ticks: list = field(default_factory=list)
    unproductive: list = field(default_factory=list)
    values: list = field(default_factory=list)
    risks: list = field(default_factory=list)
    modes: list = field(default_factory=list)

    @property
    def human_intervention_rate(self) -> float:
        return self.human_ticks / self.ticks if self.ticks else 0.0


TRIGGER_MODE = {  # the critic runtime's trigger for each system (None: no critic trigger)
    "hil_serl": "value_risk",  # values are still estimated (plots), autonomy is off
    "failure_prediction": "failure_prediction",
    "uniintervene": "value_risk",
    "without_memory_goal": "value_risk",
    "without_future_prediction": "without_future_prediction",
    "without_value_prediction": "without_value_prediction",
    "without_temporal_critic": "without_temporal_critic",
    "zero_recovery": "value_risk",
    "periodic_trigger": "value_risk",  # its latents and values; its trigger is ignored
}


def tick_inputs(observation, status, commands: dict, engaged: bool, step) -> SupervisorInputs:
    """The supervisor's inputs in-process: every source answered this tick (ages 0), the
    robot is the simulator (program running, joints fresh), the critic step is fresh."""
    return SupervisorInputs(
        commands=commands,
        human_engaged=engaged,
        engaged_age=0.0,
        joints=observation["joint_pos"],
        joints_age=0.0,
        risk_trigger=bool(step and step.risk.trigger),
        risk_reason=step.risk.reason if step else "",
        critic_age=0.0,
        critic_valid=step is not None,
        robot_program_running=True,
        task_success=status.success,
        task_failure=status.failure,
    )


class InProcessRecovery:
    """The Recover goal's life in-process, as recovery_node lives it in the graph: started
    on a trigger, proposes a command every tick until it ends (its result arrives before
    the next tick), cancelled when the supervisor says so."""

    def __init__(self, memory, policy, settings: GraphSettings, task: str = "",
                 grow_memory: bool = False, **overrides):  # fmt: skip
        self.memory, self.policy, self.task = memory, policy, task
        self.config = replace(settings.recovery, **overrides)
        self.grow_memory = grow_memory  # as recovery_node: a verified recovery is remembered
        self.active = None
        self.ended = False  # the last propose() ended a recovery (for traces)
        self.ticks = self.remembered = 0

    @classmethod
    def for_system(cls, system: str, memory, policy, settings: GraphSettings, task: str = "",
                   rates: ControlRates | None = None, grow_memory: bool = False):  # fmt: skip
        """The recovery a system runs: UniIntervene's, the ablation's, or a control's."""
        if system == "zero_recovery":
            if rates is None:
                raise ValueError("zero_recovery needs UniIntervene's rates (ControlRates)")
            config = zero_recovery_config(settings.recovery, rates)
            return cls(memory, ZeroTwistPolicy(), replace(settings, recovery=config), task)
        return cls(memory, policy, settings, task, grow_memory,
                   use_memory_goal=system != "without_memory_goal")  # fmt: skip

    def propose(self, commands: dict, core, step, proprio) -> None:
        self.ended = False
        if self.active is None:
            return
        tick = self.active.step(step.latent, step.state_value, proprio)
        if tick.done:
            if tick.success and self.grow_memory and self.active.ticks:
                self.memory.add(step.latent, step.state_value, self.task or "any", "online",
                                float(self.remembered), self.active.segment())  # fmt: skip
                self.remembered += 1
            core.recovery_ended()
            self.active, self.ended = None, True
        else:
            commands["recovery"] = (tick.action, 0.0)
            self.ticks += 1

    def after(self, decision, core, step) -> int:
        """Carry out the decision's recovery part; 1 when a recovery started."""
        if decision.cancel_recovery:
            self.active = None
        if not decision.start_recovery:
            return 0
        self.active, _ = start_recovery(
            self.memory, self.policy, self.config, step.latent, step.state_value, self.task
        )
        if self.active is None:
            core.recovery_ended()
            return 0
        core.recovery_started()
        return 1


def run_episode(
    cell,
    task: str,
    seed: int,
    policy,
    operator,
    system: str,
    bundle=None,
    report=None,
    memory=None,
    recovery_policy=None,
    settings: GraphSettings | None = None,
    trace: list | None = None,
    rates: ControlRates | None = None,
):
    """One supervised episode of `system` on the in-process cell. `trace`, if given,
    receives per tick (SupervisorInputs, TickDecision, recovery ended before the tick,
    recovery started after it), the last entry being the decision that ended it."""
    settings = settings or GraphSettings.load()
    observation = cell.reset(task, seed)
    policy.reset(seed)
    operator.reset()
    core = SupervisorCore(SupervisorConfig.from_params(settings.supervisor))
    core.start_episode(system != "hil_serl", round(cell.task.episode_seconds / 0.1))
    runtime = None
    if bundle is not None:
        triggers = (report or {}).get("triggers")
        runtime = CriticRuntime(bundle, TRIGGER_MODE[system], triggers)
    recovery = InProcessRecovery.for_system(system, memory, recovery_policy, settings, task, rates)
    periodic = periodic_trigger(system, rates, seed)
    mode = Mode.POLICY
    executed = np.zeros(7, np.float32)
    out = EpisodeOutcome(task, seed, False, 0, 0, 0, 0)
    progress, warnings, sources = [], [], []
    while True:
        scene, status = cell.scene(), cell.status()
        proprio = np.r_[observation["joint_pos"], observation["gripper"]].astype(np.float32)
        step = runtime.step(observation["image"], proprio, executed) if runtime else None
        human = operator.step(cell.time, status, scene, cell.task.expert)
        commands = {"policy": (policy.act(scene, cell.task), 0.0)}
        if human.engaged:
            commands["human"] = (human.action, 0.0)
        recovery.propose(commands, core, step, proprio)
        inputs = tick_inputs(observation, status, commands, human.engaged, step)
        inputs = supervise_inputs(inputs, periodic, mode == Mode.POLICY)
        decision = core.step(inputs)
        if not decision.ran:
            if trace is not None:
                trace.append((inputs, decision, recovery.ended, False))
            break
        ended = recovery.ended
        if decision.start_recovery:
            out.trigger_ticks.append(out.ticks)
        started = bool(recovery.after(decision, core, step))
        if started and periodic is not None:
            periodic.started()
        out.autonomous_interventions += started
        if trace is not None:
            trace.append((inputs, decision, ended, started))
        mode = decision.mode
        executed = np.nan_to_num(decision.command).astype(np.float32)
        observation = cell.step(executed)
        out.ticks += 1
        out.human_ticks += mode == Mode.HUMAN
        out.recovery_ticks += mode == Mode.RECOVERY
        out.values.append(step.value if step else float("nan"))
        out.risks.append(step.risk.risk if step else float("nan"))
        out.modes.append(int(mode))
        progress.append(status.progress)
        warnings.append(status.warning)
        sources.append(int(mode))  # Mode values are the recorded source codes
    out.success = decision.outcome == "success"
    out.unproductive = segments(unproductive_flags(progress, warnings, sources))
    return out


def periodic_trigger(system: str, rates: ControlRates | None, seed: int):
    """The periodic control's trigger (None for every other system)."""
    if system != "periodic_trigger":
        return None
    if rates is None:
        raise ValueError("periodic_trigger needs UniIntervene's rates (ControlRates)")
    return PeriodicTrigger(rates.policy_ticks_per_trigger, seed)


def control_rates(outcomes) -> ControlRates:
    """UniIntervene's trigger rate and recovery length over its episodes of a task."""
    return ControlRates.measure(
        policy_ticks=sum(o.modes.count(int(Mode.POLICY)) for o in outcomes),
        recovery_ticks=sum(o.recovery_ticks for o in outcomes),
        triggers=sum(o.autonomous_interventions for o in outcomes),
    )


def summarise(outcomes) -> dict:
    """Success rate, human intervention rate, autonomous interventions, trigger F1."""
    score = None
    for o in outcomes:
        s = score_triggers(o.trigger_ticks, o.unproductive)
        score = s if score is None else score.add(s)
    return {
        "episodes": len(outcomes),
        "success_rate": float(np.mean([o.success for o in outcomes])),
        "human_intervention_rate": float(np.mean([o.human_intervention_rate for o in outcomes])),
        "autonomous_interventions": float(np.mean([o.autonomous_interventions for o in outcomes])),
        "trigger_f1": score.f1 if score and score.true_positives + score.false_positives else None,
    }
