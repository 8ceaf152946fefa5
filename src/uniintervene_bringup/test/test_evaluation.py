"""The in-process experiment harness (no ROS): arbitration and counting on the sim."""

from uniintervene_bringup.evaluation import GraphSettings, node_parameters, run_episode, summarise
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
