"""The supervisor's side of a tick in-process, as the ROS graph runs it: the graph's
parameters, the supervisor's inputs, the Recover goal's life, and the per-episode
`Supervision` that the supervised-episode harness (evaluation.py) and the HiL-RL loop
(hilrl_loop.py) both tick, so the two cannot drift apart."""

import pathlib
from collections import Counter
from dataclasses import dataclass, replace
from types import SimpleNamespace

import yaml
from ament_index_python.packages import get_package_share_directory

from uniintervene_common.params import from_values
from uniintervene_experiments.controls import (
    ControlRates,
    PeriodicTrigger,
    ZeroTwistPolicy,
    supervise_inputs,
    zero_recovery_config,
)
from uniintervene_experiments.oracles import (
    ORACLE_RECOVERY,
    ORACLE_TRIGGER,
    POSE_SERVO,
    ExpertRecoveryPolicy,
    StallTrigger,
    oracle_target,
)
from uniintervene_recovery.controller import Recovery, RecoveryConfig, start_recovery
from uniintervene_recovery.memory import Target
from uniintervene_recovery.pose_servo import PoseServoConfig, PoseServoPolicy
from uniintervene_recovery.schema import RECOVERY_NODE
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.core import SupervisorConfig, SupervisorCore, SupervisorInputs
from uniintervene_supervisor.schema import SUPERVISOR_NODE


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
                stall_ticks=recovery.stall_ticks,
                gain_epsilon=recovery.gain_epsilon,
                use_gripper=recovery.use_gripper,
            ),
        )


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
        self.min_gain = memory.config.min_gain if memory is not None else 0.05
        self.grow_memory = grow_memory  # as recovery_node: a verified recovery is remembered
        self.active = None
        self.ended = False  # the last propose() ended a recovery (for traces)
        self.outcomes = Counter()  # how recoveries ended: success, stalled, timeout, ...

    @classmethod
    def for_system(cls, system: str, memory, policy, settings: GraphSettings, task: str = "",
                   rates: ControlRates | None = None, grow_memory: bool = False,
                   cell=None):  # fmt: skip
        """The recovery a system runs: UniIntervene's, the ablation's, a control's, or
        the scripted expert (the oracle recovery, which needs the simulated `cell`)."""
        if system == "zero_recovery":
            if rates is None:
                raise ValueError("zero_recovery needs UniIntervene's rates (ControlRates)")
            config = zero_recovery_config(settings.recovery, rates)
            return cls(memory, ZeroTwistPolicy(), replace(settings, recovery=config), task)
        if system in ORACLE_RECOVERY:
            if cell is None:
                raise ValueError(f"{system} drives the scripted expert: it needs the cell")
            policy = ExpertRecoveryPolicy(cell)
        if system in POSE_SERVO:
            policy = PoseServoPolicy(PoseServoConfig(settings.supervisor.tool_offset))
        return cls(memory, policy, settings, task, grow_memory,
                   use_memory_goal=system != "without_memory_goal")  # fmt: skip

    def propose(self, commands: dict, core, step, proprio) -> None:
        self.ended = False
        if self.active is None:
            return
        tick = self.active.step(step.latent, step.state_value, proprio)
        if tick.done:
            self.outcomes[tick.outcome] += 1
            if tick.success and self.grow_memory and self.active.ticks:
                self.memory.add(step.latent, step.state_value, self.task or "any", "online",
                                float(len(self.memory)), self.active.segment())  # fmt: skip
            core.recovery_ended()
            self.active, self.ended = None, True
        else:
            commands["recovery"] = (tick.action, 0.0)

    def after(self, decision, core, step) -> int:
        """Carry out the decision's recovery part; 1 when a recovery started."""
        if decision.cancel_recovery:
            if self.active is not None:  # the human took over, or a fault
                self.outcomes["cancelled"] += 1
            self.active = None
        if not decision.start_recovery:
            return 0
        if isinstance(self.policy, ZeroTwistPolicy):  # the control: no memory needed
            here = Target("zero_recovery", step.latent, step.state_value, 0.0, 0.0)
            self.active = Recovery(here, self.config, self.policy, self.config.max_ticks)
        else:
            self.active, _ = start_recovery(
                self.memory, self.policy, self.config, step.latent, step.state_value, self.task
            )
            if self.active is None and isinstance(self.policy, ExpertRecoveryPolicy):
                here = oracle_target(step.latent, step.state_value, self.min_gain)
                self.active = Recovery(here, self.config, self.policy, self.config.max_ticks)
        if self.active is None:
            self.outcomes["no_target"] += 1
            core.recovery_ended()
            return 0
        core.recovery_started()
        return 1


def periodic_trigger(system: str, rates: ControlRates | None, seed: int):
    """The trigger in place of the critic's: the periodic control's or the oracle stall
    detector (None for every other system)."""
    if system in ORACLE_TRIGGER:
        return StallTrigger()
    if system != "periodic_trigger":
        return None
    if rates is None:
        raise ValueError("periodic_trigger needs UniIntervene's rates (ControlRates)")
    return PeriodicTrigger(rates.policy_ticks_per_trigger, seed)


class Supervision:
    """One episode's supervisor side: the core, the system's recovery and, for the periodic
    control and the oracle trigger, their trigger in place of the critic's."""

    def __init__(self, system: str, settings: GraphSettings, memory, recovery_policy,
                 task: str, seed: int, autonomous: bool, max_ticks: int,
                 rates: ControlRates | None = None, grow_memory: bool = False,
                 cell=None):  # fmt: skip
        self.core = SupervisorCore(SupervisorConfig.from_params(settings.supervisor))
        self.core.start_episode(autonomous, max_ticks)
        self.recovery = InProcessRecovery.for_system(
            system, memory, recovery_policy, settings, task, rates, grow_memory, cell
        )
        self.periodic = periodic_trigger(system, rates, seed) if autonomous else None
        self.mode = Mode.POLICY

    def propose(self, commands: dict, step, proprio) -> None:
        """An active recovery's command joins the sources' (its result came before)."""
        self.recovery.propose(commands, self.core, step, proprio)

    def decide(self, observation, status, commands: dict, engaged: bool, step):
        """(inputs, decision, a recovery started) for this tick."""
        inputs = tick_inputs(observation, status, commands, engaged, step)
        inputs = supervise_inputs(inputs, self.periodic, self.mode == Mode.POLICY, status)
        decision = self.core.step(inputs)
        if not decision.ran:
            return inputs, decision, False
        self.mode = decision.mode
        started = bool(self.recovery.after(decision, self.core, step))
        if started and self.periodic is not None:
            self.periodic.started()
        return inputs, decision, started
