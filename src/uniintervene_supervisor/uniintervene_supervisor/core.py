"""The supervisor's decision per control tick, as one pure function of its inputs (no ROS).

`SupervisorCore.step(inputs) -> TickDecision` is what `supervisor_node` and the in-process
harness both call: robot-fault detection, arbitration (HUMAN > HOLD > RECOVERY > POLICY),
the safety filter, HOLD reclassification of a stale, missing or non-finite winning
command, recovery bookkeeping (a recovery that stops publishing is lost), the episode-end
rules and the tick accounting. The callers only gather the inputs (messages or the
simulator) and carry out the decision (publish, or step the simulator).
"""

from dataclasses import dataclass, field

import numpy as np

from uniintervene_common.kinematics import tcp_pose
from uniintervene_supervisor.arbitration import Arbiter, ArbiterConfig, Mode, TickInputs
from uniintervene_supervisor.safety import FilterResult, SafetyConfig, SafetyFilter

SOURCES = {Mode.POLICY: "policy", Mode.HUMAN: "human", Mode.RECOVERY: "recovery"}
# A winning source held for one of these reasons did not drive: the tick is HOLD's.
HOLD_VIOLATIONS = {"missing_command", "stale_command", "non_finite_command", "stale_joint_states"}


@dataclass
class SupervisorConfig:
    control_period: float = 0.1
    cooldown_ticks: int = 20
    trigger_warmup_ticks: int = 20
    fault_abort_ticks: int = 50
    joint_state_timeout: float = 0.3
    critic_timeout: float = 0.5
    human_timeout: float = 0.5
    recovery_timeout: float = 0.3
    recovery_grace_ticks: int = 3
    require_robot_program: bool = True
    tool_offset: float = 0.16
    safety: SafetyConfig = field(default_factory=SafetyConfig)

    @classmethod
    def from_params(cls, p) -> "SupervisorConfig":
        """From supervisor_node's parameters (a namespace of schema.SUPERVISOR_NODE)."""
        return cls(
            control_period=p.control_period,
            cooldown_ticks=p.cooldown_ticks,
            trigger_warmup_ticks=p.trigger_warmup_ticks,
            fault_abort_ticks=p.fault_abort_ticks,
            joint_state_timeout=p.joint_state_timeout,
            critic_timeout=p.critic_timeout,
            human_timeout=p.human_timeout,
            recovery_timeout=p.recovery_timeout,
            recovery_grace_ticks=p.recovery_grace_ticks,
            require_robot_program=p.require_robot_program,
            tool_offset=p.tool_offset,
            safety=SafetyConfig(
                max_linear_speed=p.max_linear_speed,
                max_angular_speed=p.max_angular_speed,
                max_linear_acceleration=p.max_linear_acceleration,
                max_angular_acceleration=p.max_angular_acceleration,
                workspace_min=tuple(p.workspace_min),
                workspace_max=tuple(p.workspace_max),
                command_timeout=p.command_timeout,
                joint_state_timeout=p.joint_state_timeout,
            ),
        )


@dataclass
class SupervisorInputs:
    """Everything one tick decides on. Ages are seconds since the input arrived (inf:
    never); commands are [twist (6), gripper] or None."""

    commands: dict = field(default_factory=dict)  # "policy"/"human"/"recovery" -> (cmd, age)
    human_engaged: bool = False
    engaged_age: float = np.inf
    joints: np.ndarray | None = None  # the six arm joint angles
    joints_age: float = np.inf
    risk_trigger: bool = False
    risk_reason: str = ""
    critic_age: float = np.inf  # the older of the newest value and risk
    critic_valid: bool = False
    robot_program_running: bool | None = None
    safety_normal: bool = True  # the UR safety mode is one the cell may move in
    servo_ready: bool = True  # MoveIt Servo accepts twists (real cell; always in the sim)
    controller_fault: str = ""  # why the command controller is not active ('' if it is)
    servo_halt: str = ""  # MoveIt Servo reported a halt lately (the human may still drive)
    operator_hold: bool = False
    task_success: bool = False  # the task state of this episode says so
    task_failure: bool = False
    cancel_requested: bool = False
    since_output: float | None = None  # s since the last twist to the robot (None: a tick)


@dataclass
class TickDecision:
    mode: Mode
    reason: str
    command: np.ndarray  # the safe command to execute: twist (6) + gripper (NaN: leave it)
    tick: int  # the episode tick this decision was for
    start_recovery: str = ""  # non-empty: send a Recover goal, for this reason
    cancel_recovery: bool = False
    events: list = field(default_factory=list)  # (kind, detail): trigger, human_takeover, ...
    outcome: str = ""  # non-empty: the episode ended (success, timeout, aborted, fault)
    violations: list = field(default_factory=list)  # the safety filter's, this tick
    ran: bool = True  # False: the episode had ended before this tick (nothing counted)

    @property
    def success(self) -> bool:
        return self.outcome == "success"


class SupervisorCore:
    def __init__(self, config: SupervisorConfig | None = None):
        self.config = config or SupervisorConfig()
        self.safety = SafetyFilter(self.config.safety, self.config.control_period)
        self.start_episode(autonomous=False, max_ticks=0)

    def configure(self, config: SupervisorConfig) -> None:
        """New settings from here on (the arbiter's at the next episode)."""
        self.config = config
        self.safety.config, self.safety.period = config.safety, config.control_period

    # -- episodes -------------------------------------------------------------------------
    def start_episode(self, autonomous: bool, max_ticks: int) -> None:
        c = self.config
        self.arbiter = Arbiter(ArbiterConfig(autonomous, c.cooldown_ticks, c.trigger_warmup_ticks))
        self.safety.reset()
        self.max_ticks = max_ticks
        self.fault_ticks = 0
        self.lost_recovery_until = -1
        self.recovery_started_tick = 0
        self.hold_reason = ""  # the running HOLD's reason ('' while something drives)
        self.critic_fresh = None  # whether triggers could fire last tick (None: not yet)

    @property
    def counts(self) -> dict:
        return self.arbiter.counts

    @property
    def tick(self) -> int:
        return self.arbiter.tick

    # -- recovery bookkeeping (the Recover goal's life, as the caller sees it) ------------
    def recovery_started(self) -> None:
        self.recovery_started_tick = self.arbiter.tick
        self.arbiter.recovery_started()

    def recovery_ended(self) -> None:
        self.arbiter.recovery_ended()

    # -- the tick -------------------------------------------------------------------------
    def robot_fault(self, inputs: SupervisorInputs) -> str:
        if not inputs.joints_age <= self.config.joint_state_timeout or inputs.joints is None:
            return "joint states stale or missing"
        if self.config.require_robot_program and inputs.robot_program_running is not True:
            return "robot program not running"
        if not inputs.safety_normal:
            return "robot safety mode not NORMAL or REDUCED"
        if not inputs.servo_ready:
            return "MoveIt Servo not accepting twists (switch_command_type)"
        return inputs.controller_fault

    def human_engaged(self, inputs: SupervisorInputs) -> bool:
        return inputs.human_engaged and inputs.engaged_age <= self.config.human_timeout

    def filtered(self, inputs: SupervisorInputs, source: str | None, dt=None) -> FilterResult:
        if source is None:
            return self.safety.hold("hold")
        command, age = inputs.commands.get(source, (None, np.inf))
        tcp = (
            tcp_pose(inputs.joints, self.config.tool_offset)[:3, 3]  # base_link, as the box
            if inputs.joints is not None
            else None
        )
        return self.safety.apply(command, age, inputs.joints_age, tcp, dt)

    def takeover(self, inputs: SupervisorInputs) -> FilterResult | None:
        """Between ticks, at once: the human's safe command when the human is engaged and
        the robot may move (None otherwise, and for a command the filter refuses). Ticks
        are still counted at the tick; this only takes the latency of a takeover from a
        tick period to a message's."""
        if not self.human_engaged(inputs) or self.robot_fault(inputs):
            return None
        result = self.filtered(inputs, "human", inputs.since_output)
        return None if set(result.violations) & HOLD_VIOLATIONS else result

    def idle_step(self, inputs: SupervisorInputs) -> TickDecision:
        """Between episodes only the human may drive; nothing is counted."""
        fault = self.robot_fault(inputs)
        if self.human_engaged(inputs) and not fault:
            result = self.filtered(inputs, "human", inputs.since_output)
            if set(result.violations) & HOLD_VIOLATIONS:  # as in an episode: it is a HOLD
                return TickDecision(Mode.HOLD, f"human: {result.violations[0]}", result.command, 0)
            return TickDecision(Mode.HUMAN, "human engaged (no episode)", result.command, 0)
        return TickDecision(
            Mode.HOLD, fault or "idle: no episode", self.safety.hold("idle").command, 0
        )

    def episode_end(self, inputs: SupervisorInputs) -> str:
        """The outcome, when this tick's inputs end the episode before it runs."""
        if inputs.cancel_requested:
            return "aborted"
        if inputs.task_success:
            return "success"
        if inputs.task_failure:
            return "aborted"  # the task can no longer succeed
        if self.max_ticks and self.arbiter.tick >= self.max_ticks:
            return "timeout"
        return ""

    def step(self, inputs: SupervisorInputs) -> TickDecision:
        c, arbiter = self.config, self.arbiter
        ended = self.episode_end(inputs)
        if ended:  # not a tick of the episode: nothing drives, nothing is counted
            return TickDecision(
                Mode.HOLD,
                f"episode ended: {ended}",
                self.safety.hold("episode ended").command,
                arbiter.tick,
                cancel_recovery=arbiter.recovery_active or arbiter.recovery_requested,
                outcome=ended,
                ran=False,
            )
        events = []
        supervision = "operator hold" if inputs.operator_hold else inputs.servo_halt
        if arbiter.tick < self.lost_recovery_until:
            supervision = "recovery server lost"
        _, recovery_age = inputs.commands.get("recovery", (None, np.inf))
        lost = (
            arbiter.recovery_active
            and not recovery_age <= c.recovery_timeout
            and arbiter.tick - self.recovery_started_tick > c.recovery_grace_ticks
        )
        if lost:
            arbiter.recovery_ended()
            self.lost_recovery_until = arbiter.tick + c.cooldown_ticks
            supervision = "recovery server lost"
            events.append(("fault", "recovery server lost: recovery commands stopped"))
        critic_fresh = inputs.critic_valid and inputs.critic_age <= c.critic_timeout
        if arbiter.config.autonomous_intervention and critic_fresh != self.critic_fresh:
            if not critic_fresh and self.critic_fresh is not None:  # it was fresh: say so
                events.append(("fault", "critic output stale or invalid: no triggers"))
            self.critic_fresh = critic_fresh
        robot_fault = self.robot_fault(inputs)
        tick = arbiter.tick
        decision = arbiter.step(
            TickInputs(
                human_engaged=self.human_engaged(inputs),
                risk_trigger=inputs.risk_trigger and critic_fresh,
                risk_reason=inputs.risk_reason,
                critic_fresh=critic_fresh,
                robot_fault=robot_fault,
                supervision_fault=supervision,
            )
        )
        events += [(e, decision.reason if e == "trigger" else e) for e in decision.events]
        if lost:
            decision.cancel_recovery = True  # the lost goal, if the server still has it
        mode, reason = decision.mode, decision.reason
        source = SOURCES.get(mode)
        result = self.filtered(inputs, source, inputs.since_output)
        if source and set(result.violations) & HOLD_VIOLATIONS:
            reason = f"{source}: {result.violations[0]}"
            arbiter.counts[mode] -= 1  # the source did not drive: the tick is HOLD's
            arbiter.counts[Mode.HOLD] += 1
            mode = Mode.HOLD
        if mode == Mode.HOLD and reason != self.hold_reason:  # a HOLD begins or changes cause
            events.append(("fault", f"HOLD: {reason}"))
        self.hold_reason = reason if mode == Mode.HOLD else ""
        self.fault_ticks = self.fault_ticks + 1 if mode == Mode.HOLD and robot_fault else 0
        outcome = "fault" if self.fault_ticks >= c.fault_abort_ticks else ""
        return TickDecision(
            mode,
            reason,
            result.command,
            tick,
            start_recovery=decision.start_recovery,
            cancel_recovery=decision.cancel_recovery,
            events=events,
            outcome=outcome,
            violations=result.violations,
        )
