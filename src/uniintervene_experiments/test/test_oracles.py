"""The sim-only ceilings (oracle trigger, oracle recovery) and the trigger's lead over the
operator (in a HiL-RL run: test_hilrl)."""

from types import SimpleNamespace

import numpy as np
import pytest

from uniintervene_experiments.oracles import ExpertAgreement, ExpertRecoveryPolicy, StallTrigger
from uniintervene_experiments.trigger_timing import TriggerTiming
from uniintervene_sim.operator import OperatorConfig, SimulatedOperator
from uniintervene_sim.scene import TaskStatus


def test_the_stall_trigger_fires_on_stalled_true_progress_and_waits_for_progress_again():
    trigger = StallTrigger(patience_ticks=3, progress_epsilon=0.02)
    rising = [trigger.update(True, TaskStatus(progress=0.1 * t)) for t in range(5)]
    assert not any(rising)
    stalled = [trigger.update(True, TaskStatus(progress=0.4)) for _ in range(4)]
    assert stalled == [False, False, True, True]  # owed until a recovery starts
    trigger.started()
    assert not trigger.update(True, TaskStatus(progress=0.4))
    assert not trigger.update(False, TaskStatus(progress=0.4))  # only in policy control
    assert trigger.update(True, TaskStatus(progress=0.4, warning=True))  # a warning: at once


def test_the_expert_recovery_drives_the_cells_scripted_expert():
    scene = object()
    cell = SimpleNamespace(
        scene=lambda: scene, task=SimpleNamespace(expert=lambda s: [s is scene] * 7)
    )
    assert np.all(ExpertRecoveryPolicy(cell).act(None, None, None) == 1.0)


def test_a_trigger_before_the_operators_notice_has_a_positive_lead():
    operator = SimulatedOperator(OperatorConfig(patience=3.0, reaction_delay=0.6))
    timing = TriggerTiming()
    status = TaskStatus(progress=0.2)
    operator.step(0.0, status, None, None)  # progress seen at 0 s: notice due at 3 s
    timing.tick(1.0, [("trigger", "stagnation")], operator)
    for t in np.arange(0.1, 3.8, 0.1):
        decision = operator.step(float(t), status, None, lambda s: np.zeros(7))
        if decision.engaged:
            timing.tick(float(t), [("human_takeover", "")], operator)
            break
    assert timing.trigger_leads == [pytest.approx(2.0)]
    assert timing.takeover_leads == [pytest.approx(operator.noticed_at - 1.0)]
    # a takeover in a stall no trigger saw has no lead; a late trigger a negative one
    timing.reset()
    timing.tick(4.0, [("human_takeover", "")], operator)
    late = SimulatedOperator()
    late.step(0.0, status, None, None)
    timing.tick(3.5, [("trigger", "stagnation")], late)
    summary = timing.summary()
    assert timing.takeover_leads[-1] is None and timing.trigger_leads[-1] == pytest.approx(-0.5)
    assert summary["trigger_first_share"] == 0.5 and summary["takeovers"] == 2
    assert summary["takeovers_after_a_trigger_share"] == 0.5


def test_expert_agreement_scores_direction_and_speed_of_the_executed_translation():
    agreement = ExpertAgreement()
    assert agreement.summary() is None
    expert = np.r_[0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    agreement.add(np.r_[0.05, 0.0, 0.0, 0.0, 0.0, 0.0, np.nan], expert)  # same way, half speed
    agreement.add(np.r_[0.0, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0], expert)  # at a right angle
    agreement.add(np.zeros(7), expert)  # standing still: no direction to score
    summary = agreement.summary()
    assert summary["ticks"] == 2 and summary["mean_cosine"] == pytest.approx(0.5)
    assert summary["median_speed_ratio"] == pytest.approx(1.25)
