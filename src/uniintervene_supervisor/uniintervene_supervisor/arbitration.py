"""The arbitration state machine: who commands the robot this tick (no ROS).

Per tick, highest first: HUMAN (teleop engaged) > HOLD (a fault) > RECOVERY (a Recover
goal is active) > POLICY. Two kinds of fault make HOLD: *robot* faults (stale joint
states, the robot program not running, a safety mode other than NORMAL, the command
controller inactive) hold even over the
human, because the robot cannot be commanded safely or at all; *supervision* faults
(operator hold, a recovery server that vanished mid-recovery, a MoveIt Servo halt) are
preempted by the human.
A risk trigger starts a recovery only in POLICY, with autonomous intervention on, fresh
critic output, and the cooldown since the last intervention elapsed. A human takeover or
a fault cancels an active recovery. Every tick is attributed to exactly one source.
"""

from dataclasses import dataclass, field
from enum import IntEnum


class Mode(IntEnum):  # the values of ActionCommand / ControlMode
    POLICY = 0
    RECOVERY = 1
    HUMAN = 2
    HOLD = 3


@dataclass
class TickInputs:
    human_engaged: bool = False
    risk_trigger: bool = False
    risk_reason: str = ""
    critic_fresh: bool = True
    robot_fault: str = ""  # non-empty: why the robot cannot be commanded
    supervision_fault: str = ""  # non-empty: operator hold, recovery server lost, ...


@dataclass
class Decision:
    mode: Mode
    reason: str
    start_recovery: str = ""  # non-empty: start one, for this reason
    cancel_recovery: bool = False
    events: list[str] = field(default_factory=list)  # "trigger", "human_takeover", ...


@dataclass
class ArbiterConfig:
    autonomous_intervention: bool = True
    cooldown_ticks: int = 20  # after a recovery or human release, before the next trigger
    warmup_ticks: int = 0  # no trigger in an episode's first ticks (the critic's window fills)


class Arbiter:
    def __init__(self, config: ArbiterConfig | None = None):
        self.config = config or ArbiterConfig()
        self.reset()

    def reset(self) -> None:
        self.tick = 0
        self.counts = {mode: 0 for mode in Mode}
        self.recovery_active = False
        self.recovery_requested = False
        self.human_was_engaged = False
        self.cooldown_until = self.config.warmup_ticks
        self.triggers = 0

    def recovery_started(self) -> None:
        self.recovery_requested, self.recovery_active = False, True

    def recovery_ended(self) -> None:
        """The Recover goal finished (any outcome) or could not start."""
        self.recovery_requested = self.recovery_active = False
        self.cooldown_until = self.tick + self.config.cooldown_ticks

    def step(self, inputs: TickInputs) -> Decision:
        events = []
        busy = self.recovery_active or self.recovery_requested
        if inputs.human_engaged != self.human_was_engaged:
            events.append("human_takeover" if inputs.human_engaged else "human_release")
            if not inputs.human_engaged:
                self.cooldown_until = self.tick + self.config.cooldown_ticks
            self.human_was_engaged = inputs.human_engaged
        if inputs.robot_fault:
            decision = Decision(Mode.HOLD, inputs.robot_fault, cancel_recovery=busy)
        elif inputs.human_engaged:
            decision = Decision(Mode.HUMAN, "human engaged", cancel_recovery=busy)
        elif inputs.supervision_fault:
            decision = Decision(Mode.HOLD, inputs.supervision_fault, cancel_recovery=busy)
        elif busy:
            decision = Decision(Mode.RECOVERY, "recovering")
        else:
            decision = Decision(Mode.POLICY, "policy")
            if (
                inputs.risk_trigger
                and self.config.autonomous_intervention
                and inputs.critic_fresh
                and self.tick >= self.cooldown_until
            ):
                reason = inputs.risk_reason or "risk"
                decision.start_recovery = reason
                decision.reason = f"risk trigger: {reason}"
                self.recovery_requested = True
                self.triggers += 1
                events.append("trigger")
        if decision.cancel_recovery:
            self.recovery_requested = self.recovery_active = False
            self.cooldown_until = self.tick + self.config.cooldown_ticks
        decision.events = events
        self.counts[decision.mode] += 1
        self.tick += 1
        return decision

    @property
    def human_intervention_rate(self) -> float:
        return self.counts[Mode.HUMAN] / self.tick if self.tick else 0.0
