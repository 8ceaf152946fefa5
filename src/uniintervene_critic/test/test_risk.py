"""The temporal value-risk critic on synthetic value traces."""

from dataclasses import replace

import numpy as np
import pytest

from uniintervene_critic.risk import (
    RiskConfig,
    SingleStepRisk,
    TemporalRiskCritic,
    ThresholdConfig,
    trigger_ticks,
)

CONFIG = RiskConfig(
    window=20,
    gain_epsilon=0.01,
    stagnation_limit=15,
    drawdown_limit=0.1,
    min_duration=3,
    rearm_below=0.5,
)


def fired(values, config=CONFIG):
    critic = TemporalRiskCritic(config)
    return [
        (t, out.reason) for t, out in enumerate(critic.update(v) for v in values) if out.trigger
    ]


def test_rising_values_never_fire():
    assert fired(np.linspace(0.0, 1.0, 200)) == []


def test_plateau_fires_stagnation_once_limit_and_duration_pass():
    values = np.concatenate([np.linspace(0.0, 0.4, 30), np.full(40, 0.4)])
    events = fired(values)
    # the last gain is at t=29; 15 stagnant ticks saturate risk at t=44, held 3 ticks -> 46
    assert events[0] == (46, "stagnation")


def test_contact_dip_that_recovers_does_not_fire():
    rise = np.linspace(0.0, 0.5, 40)
    dip = 0.5 - 0.15 * np.sin(np.linspace(0, np.pi, 4))  # a 0.4 s regrasp dip
    values = np.concatenate([rise, dip, np.linspace(0.5, 0.9, 40)])
    assert fired(values) == []


def test_slow_decline_fires_degradation():
    values = np.concatenate([np.linspace(0.0, 0.6, 40), np.linspace(0.6, 0.3, 30)])
    events = fired(values)
    assert events and events[0][1] == "degradation"
    assert 40 < events[0][0] < 70


def test_hysteresis_no_refire_until_risk_falls():
    values = np.concatenate([np.linspace(0.0, 0.4, 30), np.full(100, 0.4)])
    events = fired(values)
    # after a trigger the baselines reset: a continuing plateau fires again only after
    # another full stagnation period (not every tick)
    gaps = np.diff([t for t, _ in events])
    assert len(events) >= 2 and np.all(gaps >= CONFIG.stagnation_limit)


def test_risk_state_fields():
    critic = TemporalRiskCritic(CONFIG)
    for v in np.linspace(0, 0.5, 10):
        out = critic.update(v)
    assert out.value_slope == pytest.approx(0.5 / 9 / 0.1, rel=1e-6)
    assert out.drawdown == 0.0 and out.stagnation_ticks == 0 and 0 <= out.risk < 1
    with pytest.raises(ValueError, match="finite"):
        critic.update(float("nan"))


def test_single_step_threshold_fires_on_any_dip():
    rise = np.linspace(0.0, 0.5, 40)
    values = np.concatenate(
        [np.full(5, 0.5), 0.5 - 0.4 * np.sin(np.linspace(0, np.pi, 4)), rise[::-1]]
    )
    assert trigger_ticks(SingleStepRisk(ThresholdConfig(0.2)), values)  # the temporal one would not


def test_failure_prediction_baseline_labels_and_trigger():
    from uniintervene_critic.dataset import HUMAN, POLICY, Episode
    from uniintervene_critic.failure import (
        FailureTrigger,
        FailureTriggerConfig,
        imminent_failure_labels,
    )

    n = 60
    sources = np.array([POLICY] * 40 + [HUMAN] * 10 + [POLICY] * 10, np.uint8)
    episode = Episode(
        "wipe",
        0,
        np.zeros((n, 4, 4, 3), np.uint8),
        np.zeros((n, 6), np.float32),
        np.zeros((n, 1), np.float32),
        np.zeros((n, 7), np.float32),
        sources,
        np.zeros(n, np.float32),
        np.zeros(n, np.uint8),
        success=False,
        failure_reason="excessive_force",
    )
    labels = imminent_failure_labels(episode, horizon=15)
    assert labels[25:40].all() and not labels[:25].any() and not labels[40:50].any()
    assert labels[50:].all()  # the failure at the end
    trigger = FailureTrigger(FailureTriggerConfig(threshold=0.5, min_duration=3, warmup=0))
    fired = [trigger.update(p).trigger for p in [0.2] * 5 + [0.9] * 6 + [0.1] + [0.9] * 3]
    assert [i for i, f in enumerate(fired) if f] == [7, 14]


def test_a_stall_from_the_start_fires_only_after_the_warmup():
    """Early in an episode the value barely moves, so the rule waits 30 ticks by default."""
    flat = np.full(60, 0.3)
    # stagnant from t=1: risk saturates at t=15 and has been held 3 ticks at t=17
    assert fired(flat, replace(CONFIG, warmup=10))[0] == (17, "stagnation")
    assert CONFIG.warmup == 30 and fired(flat)[0] == (30, "stagnation")
