"""The temporal value-risk critic: fires on sustained stagnation or degradation only.

Over a sliding window of recent values (optionally EMA-smoothed) it tracks the best value
seen, how many ticks have passed without a gain of `gain_epsilon` over that best
(stagnation), and the drop from the window's best (drawdown);
risk = max(stagnation_ticks / stagnation_limit, drawdown / drawdown_limit) in [0, 1].
It triggers when risk has stayed at 1 for `min_duration` ticks (a contact or regrasp dip
is shorter), then stays quiet until risk has fallen below `rearm_below` (hysteresis), and
never in the first `warmup` ticks of an episode. A trigger resets its baselines, so a
continuing problem fires again only after another full stagnation period.
"""

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class RiskConfig:
    window: int = 20  # ticks of history (2 s at 10 Hz)
    gain_epsilon: float = 0.01  # a value gain smaller than this is no progress
    stagnation_limit: int = 15  # ticks without progress that mean "stagnating"
    drawdown_limit: float = 0.08  # drop from the window's best that means "degrading"
    min_duration: int = 3  # ticks risk must stay at 1 before firing
    rearm_below: float = 0.5  # risk must fall below this before the next trigger
    smoothing: float = 1.0  # EMA weight of the newest value (1 = no smoothing)
    # ticks after a reset before any trigger: early in an episode q = gamma^(ticks to
    # success) barely moves (~0.003 a tick 100 ticks out), so a stall cannot be told from
    # the approach yet; 30 beat 10 on the development set (docs/critic_v2/fresh600/analysis)
    warmup: int = 30
    period: float = 0.1  # s per tick (for the slope)


@dataclass
class RiskOutput:
    risk: float
    value_mean: float
    value_slope: float  # value units per second
    drawdown: float
    stagnation_ticks: int
    trigger: bool
    reason: str


class TemporalRiskCritic:
    def __init__(self, config: RiskConfig | None = None):
        self.config = config or RiskConfig()
        self.reset()

    def reset(self) -> None:
        self.values = deque(maxlen=self.config.window)
        self.best = -np.inf
        self.stagnation_ticks = 0
        self.saturated_ticks = 0
        self.armed = True
        self.smoothed = None
        self.ticks = 0

    def update(self, value: float) -> RiskOutput:
        c = self.config
        if not np.isfinite(value):
            raise ValueError(f"value must be finite, got {value}")
        self.ticks += 1
        if self.smoothed is None:
            self.smoothed = float(value)
        self.smoothed += c.smoothing * (float(value) - self.smoothed)
        value = self.smoothed
        self.values.append(value)
        if value > self.best + c.gain_epsilon:
            self.best, self.stagnation_ticks = value, 0
        else:
            self.stagnation_ticks += 1
        history = np.array(self.values)
        drawdown = float(max(history.max() - value, 0.0))
        slope = least_squares_slope(history, c.period)
        stagnation_risk = self.stagnation_ticks / c.stagnation_limit
        degradation_risk = drawdown / c.drawdown_limit
        risk = float(np.clip(max(stagnation_risk, degradation_risk), 0.0, 1.0))
        self.saturated_ticks = self.saturated_ticks + 1 if risk >= 1.0 else 0
        if not self.armed and risk < c.rearm_below:
            self.armed = True
        trigger = self.armed and self.saturated_ticks >= c.min_duration and self.ticks > c.warmup
        reason = ""
        if trigger:
            reason = "degradation" if degradation_risk >= stagnation_risk else "stagnation"
            self.armed = False
            self.saturated_ticks = 0
            self.best, self.stagnation_ticks = value, 0
            self.values.clear()
            self.values.append(float(value))
        return RiskOutput(
            risk, float(history.mean()), slope, drawdown, self.stagnation_ticks, trigger, reason
        )


def least_squares_slope(history: np.ndarray, period: float) -> float:
    """Per second, closed form (it runs every tick); 0 for fewer than two values."""
    if len(history) < 2:
        return 0.0
    times = np.arange(len(history)) * period
    times -= times.mean()
    return float(np.dot(times, history - history.mean()) / np.dot(times, times))


@dataclass
class FiringConfig:
    threshold: float = 0.5
    min_duration: int = 3  # ticks at or above threshold before firing
    rearm_below: float = 0.3  # hysteresis
    warmup: int = 10  # ticks after a reset before any trigger


class ThresholdTrigger:
    """Fires when a risk-like signal in [0, 1] has stayed at or above `threshold` for
    `min_duration` ticks, then stays quiet until it falls below `rearm_below`, and never in
    the first `warmup` ticks. The failure-prediction baseline fires on its probability
    this way, the learned risk head on its risk."""

    def __init__(self, config: FiringConfig | None = None, reason: str = "threshold"):
        self.config, self.reason = config or FiringConfig(), reason
        self.reset()

    def reset(self) -> None:
        self.above, self.armed, self.ticks = 0, True, 0

    def update(self, signal: float) -> RiskOutput:
        c = self.config
        self.ticks += 1
        self.above = self.above + 1 if signal >= c.threshold else 0
        if not self.armed and signal < c.rearm_below:
            self.armed = True
        trigger = self.armed and self.above >= c.min_duration and self.ticks > c.warmup
        if trigger:
            self.armed, self.above = False, 0
        signal = float(signal)
        return RiskOutput(signal, signal, 0.0, 0.0, 0, trigger, self.reason if trigger else "")


@dataclass
class ThresholdConfig:
    """The "w/o temporal critic" ablation: fire whenever one value is under a threshold."""

    threshold: float = 0.2
    rearm_above: float = 0.05  # margin above the threshold before re-arming


class SingleStepRisk:
    def __init__(self, config: ThresholdConfig | None = None):
        self.config = config or ThresholdConfig()
        self.armed = True

    def reset(self) -> None:
        self.armed = True

    def update(self, value: float) -> RiskOutput:
        c = self.config
        below = value < c.threshold
        if not self.armed and value > c.threshold + c.rearm_above:
            self.armed = True
        trigger = below and self.armed
        if trigger:
            self.armed = False
        risk = float(
            np.clip((c.threshold + c.rearm_above - value) / max(c.rearm_above, 1e-6), 0.0, 1.0)
        )
        return RiskOutput(risk, float(value), 0.0, 0.0, 0, trigger, "low_value" if trigger else "")


def trigger_ticks(critic, values) -> list[int]:
    critic.reset()
    return [t for t, value in enumerate(values) if critic.update(float(value)).trigger]
