"""The two controls that expose a hollow gain, for both harnesses (supervised episodes and
HiL-RL training runs).

- zero_recovery: UniIntervene's trigger and target retrieval, but the "recovery" holds
  the arm still (zero twist) for as long as UniIntervene's recoveries last on average.
  What it gets, the critic's timing gets without any corrective motion.
- periodic_trigger: no critic; a recovery (memory target, recovery policy, as
  UniIntervene's) starts every N ticks of policy control, N set so that it fires at the
  rate UniIntervene fires. What it gets, recoveries get without knowing when.

Both take their rate and length from UniIntervene's own runs on the same task
(`ControlRates`), so UniIntervene must be run first.
"""

from dataclasses import dataclass, replace

import numpy as np

CONTROLS = ("zero_recovery", "periodic_trigger")


@dataclass(frozen=True)
class ControlRates:
    """Measured on UniIntervene's runs of a task."""

    policy_ticks_per_trigger: float  # ticks of policy control between autonomous triggers
    ticks_per_recovery: float  # mean length of a recovery, ticks

    @classmethod
    def measure(cls, policy_ticks: int, recovery_ticks: int, triggers: int) -> "ControlRates":
        if triggers <= 0:
            raise ValueError(
                "UniIntervene never triggered on this task: the controls have no rate to match"
            )
        return cls(policy_ticks / triggers, max(recovery_ticks / triggers, 1.0))

    def to_dict(self) -> dict:
        return {
            "policy_ticks_per_trigger": self.policy_ticks_per_trigger,
            "ticks_per_recovery": self.ticks_per_recovery,
        }


class ZeroTwistPolicy:
    """A recovery policy that does not move (the gripper is set by the controller)."""

    def act(self, latent, goal, proprio) -> np.ndarray:
        return np.zeros(7, np.float32)


def zero_recovery_config(config, rates: ControlRates):
    """Never ends early (no value, distance or stall test), lasts UniIntervene's mean
    length, and leaves the gripper as it is."""
    length = max(1, round(rates.ticks_per_recovery))
    return replace(
        config,
        value_margin=-np.inf,
        distance_threshold=-np.inf,
        max_ticks=length,
        stall_ticks=length + 1,
        use_gripper=False,
    )


class PeriodicTrigger:
    """Due every `period` ticks of policy control (from a seeded random phase). The count
    goes on while a due trigger waits for the supervisor (warm-up, cool-down), and every
    firing it missed stays owed, so over an episode it fires at UniIntervene's rate."""

    reason = "periodic trigger"

    def __init__(self, period: float, seed: int):
        if not period > 0:
            raise ValueError(f"period must be > 0 ticks, got {period}")
        self.period = float(period)
        self.countdown = np.random.default_rng([int(seed), 0x9E41]).uniform(0.0, self.period)
        self.owed = 0

    def update(self, policy_in_control: bool, status=None) -> bool:
        if policy_in_control:
            self.countdown -= 1.0
            while self.countdown <= 0.0:
                self.countdown += self.period
                self.owed += 1
        return self.owed > 0

    def started(self) -> None:
        self.owed = max(0, self.owed - 1)


def supervise_inputs(inputs, trigger, policy_in_control: bool, status=None):
    """The supervisor's inputs with another trigger (the periodic control's, the oracle
    stall detector's: `update(policy_in_control, status)`) in place of the critic's."""
    if trigger is None:
        return inputs
    due = trigger.update(policy_in_control, status)
    return replace(inputs, risk_trigger=due, risk_reason=trigger.reason if due else "")
