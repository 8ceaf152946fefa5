"""The in-process experiment harness (no ROS): arbitration and counting on the sim."""

from types import SimpleNamespace

import numpy as np
import pytest

from uniintervene_experiments.controls import ControlRates, PeriodicTrigger
from uniintervene_experiments.evaluation import (
    GraphSettings,
    InProcessRecovery,
    control_rates,
    node_parameters,
    run_episode,
    summarise,
)
from uniintervene_sim.base_policy import BasePolicy, BasePolicyConfig
from uniintervene_sim.cell import SimCell
from uniintervene_sim.model import CameraConfig
from uniintervene_sim.operator import SimulatedOperator

STALL = BasePolicyConfig(failure_rate=1.0, refault_probability=0.0, modes=("stall",))


def test_hil_serl_counts_human_ticks_and_never_triggers():
    cell = SimCell(camera=CameraConfig(width=32, height=32))
    outcome = run_episode(
        cell, "tube_insertion", 4, BasePolicy(STALL), SimulatedOperator(), "hil_serl"
    )
    assert outcome.success and outcome.human_ticks > 0 and outcome.trigger_ticks == []
    assert outcome.human_intervention_rate == outcome.human_ticks / outcome.ticks
    assert len(outcome.unproductive) >= 1  # the stall is labelled from privileged progress
    summary = summarise([outcome])
    assert summary["success_rate"] == 1.0 and summary["trigger_f1"] is None


def test_a_trigger_starts_an_autonomous_recovery_that_ends_the_stall(stalled_episode):
    outcome, settings = stalled_episode()
    assert outcome.autonomous_interventions >= 1
    first = outcome.trigger_ticks[0]
    limit = settings.supervisor.recovery_max_ticks  # the value never reaches the target's
    assert outcome.modes[first + 1 : first + 1 + limit] == [1] * limit  # RECOVERY
    assert outcome.recovery_ticks == limit * outcome.autonomous_interventions


def test_the_harness_decides_with_the_graphs_yaml_parameters():
    settings = GraphSettings.load()
    supervisor = node_parameters("uniintervene_supervisor", "supervisor_node")
    recovery = node_parameters("uniintervene_recovery", "recovery_node")
    assert settings.supervisor.trigger_warmup_ticks == supervisor["trigger_warmup_ticks"]
    assert settings.supervisor.cooldown_ticks == supervisor["cooldown_ticks"]
    assert settings.supervisor.max_linear_speed == supervisor["max_linear_speed"]
    assert settings.recovery.max_ticks == supervisor["recovery_max_ticks"]
    assert settings.recovery.value_margin == recovery["value_margin"]


def test_zero_recovery_holds_the_arm_for_uniintervenes_length_and_cures_nothing(stalled_episode):
    trace = []
    rates = ControlRates(policy_ticks_per_trigger=20.0, ticks_per_recovery=4.0)
    outcome, _ = stalled_episode(trace=trace, system="zero_recovery", rates=rates)
    assert outcome.autonomous_interventions >= 2
    first = outcome.trigger_ticks[0]
    assert outcome.modes[first + 1 : first + 5] == [1] * 4 and outcome.modes[first + 5] != 1
    recovery_commands = [d.command for _, d, _, _ in trace if d.mode == 1]
    assert recovery_commands and all(np.allclose(c[:6], 0.0) for c in recovery_commands)
    assert outcome.human_ticks > 0  # the stall outlives every still "recovery": the human ends it


def test_periodic_trigger_fires_at_the_given_rate_without_the_critic(stalled_episode):
    trigger = PeriodicTrigger(5.0, seed=1)
    fired = [trigger.update(True) for _ in range(30)]
    first = fired.index(True)
    assert first < 5 and all(fired[first:])  # stays raised until a recovery starts
    assert trigger.owed in (5, 6)  # ... and owes every firing it missed meanwhile
    for _ in range(trigger.owed):
        trigger.started()
    assert [trigger.update(True) for _ in range(5)] == [False] * 4 + [True]
    assert not PeriodicTrigger(5.0, 1).update(False)  # counts policy ticks only
    with pytest.raises(ValueError, match="needs UniIntervene's rates"):
        stalled_episode(system="periodic_trigger")
    outcome, _ = stalled_episode(system="periodic_trigger", rates=ControlRates(15.0, 3.0))
    assert outcome.autonomous_interventions >= 2
    # the warm-up and cool-downs delay firings but lose none
    assert abs(outcome.autonomous_interventions - outcome.modes.count(0) / 15.0) <= 2


def test_control_rates_come_from_uniintervenes_episodes(stalled_episode):
    outcome, _ = stalled_episode()
    rates = control_rates([outcome, outcome])
    assert (
        rates.policy_ticks_per_trigger == outcome.modes.count(0) / outcome.autonomous_interventions
    )
    assert rates.ticks_per_recovery == outcome.recovery_ticks / outcome.autonomous_interventions
    with pytest.raises(ValueError, match="never triggered"):
        ControlRates.measure(100, 0, 0)


def test_a_verified_recovery_grows_the_memory(tiny_models):
    settings = GraphSettings.load()
    memory = tiny_models.memory
    memory.add(np.zeros(16), 1.0, "wipe", "demo", 0.0)
    before = len(memory)
    recovery = InProcessRecovery.for_system(
        "uniintervene", memory, tiny_models.recovery_policy, settings, "wipe", grow_memory=True
    )
    core = SimpleNamespace(recovery_started=lambda: None, recovery_ended=lambda: None)
    low = SimpleNamespace(latent=np.full(16, 0.3, np.float32), state_value=0.1)
    assert recovery.after(SimpleNamespace(cancel_recovery=False, start_recovery="r"), core, low)
    proprio = np.zeros(7, np.float32)
    commands = {}
    recovery.propose(commands, core, low, proprio)  # one corrective tick
    assert "recovery" in commands and len(memory) == before
    high = SimpleNamespace(latent=np.full(16, 0.2, np.float32), state_value=0.99)
    recovery.propose({}, core, high, proprio)  # reached the target's value: verified
    assert recovery.ended and len(memory) == before + 1
    assert memory.tasks[-1] == "wipe" and memory.values[-1] == pytest.approx(0.99)
