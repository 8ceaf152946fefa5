"""SupervisorCore, the per-tick decision both harnesses call: frames of the box, HOLD
reclassification, lost recoveries, episode-end rules, tick accounting."""

import numpy as np
import pytest

from uniintervene_common.kinematics import (
    HOME,
    forward_kinematics,
    solve_tcp_ik,
    tcp_pose,
    twist_at_flange,
)
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.core import SupervisorConfig, SupervisorCore, SupervisorInputs

OFFSET = 0.16


def inputs(command=None, joints=HOME, **kwargs) -> SupervisorInputs:
    values = dict(
        commands={"policy": (np.zeros(7) if command is None else np.asarray(command), 0.0)},
        joints=joints,
        joints_age=0.0,
        robot_program_running=True,
        critic_valid=True,
        critic_age=0.0,
    )
    return SupervisorInputs(**{**values, **kwargs})


def core(max_ticks=0, autonomous=True) -> SupervisorCore:
    c = SupervisorCore(SupervisorConfig(trigger_warmup_ticks=0, cooldown_ticks=2))
    c.start_episode(autonomous, max_ticks)
    return c


def q_at(x, y, z) -> np.ndarray:
    """Joint angles with the TCP at (x, y, z) in base_link, tool pointing down."""
    target = tcp_pose(HOME, OFFSET)
    target[:3, 3] = [x, y, z]
    return solve_tcp_ik(target, HOME, OFFSET)


def test_the_box_is_in_base_link_where_the_commands_are():
    q = q_at(0.45, 0.56, 0.3)  # just beyond the box's +y face (0.55)
    # the UR's DH model is in `base` (base_link turned by pi): there y = -0.56, and a box
    # checked in those coordinates blocks -y (inward) and lets +y (outward) through
    assert forward_kinematics(q, OFFSET)[:3, 3] == pytest.approx([-0.45, -0.56, 0.3], abs=1e-4)
    outward = core().step(inputs([0.05, 0.1, 0, 0, 0, 0, 0], q))
    assert outward.command[1] == 0.0 and outward.command[0] > 0  # only +y is removed
    assert "workspace_boundary" in outward.violations
    inward = core().step(inputs([0, -0.1, 0, 0, 0, 0, 0], q))
    assert inward.command[1] < 0 and "workspace_boundary" not in inward.violations


def test_twist_at_flange_is_the_same_rigid_motion():
    rng = np.random.default_rng(0)
    q = HOME + rng.uniform(-0.3, 0.3, 6)
    twist = np.array([0.02, -0.01, 0.03, 0.2, -0.4, 0.1])
    flange = twist_at_flange(twist, q, OFFSET)
    # the flange point, carried rigidly by the TCP twist for a small dt, moves by v_flange
    dt, pose = 1e-6, tcp_pose(q, OFFSET)
    flange_point = pose[:3, 3] - OFFSET * pose[:3, 2]
    w = twist[3:]
    rotation = np.eye(3) + dt * np.array([[0, -w[2], w[1]], [w[2], 0, -w[0]], [-w[1], w[0], 0]])
    carried = pose[:3, 3] + twist[:3] * dt + rotation @ (flange_point - pose[:3, 3])
    assert (carried - flange_point) / dt == pytest.approx(flange[:3], abs=1e-6)
    expected = twist[:3] + np.cross(w, flange_point - pose[:3, 3])
    assert flange[:3] == pytest.approx(expected, abs=1e-12)
    assert flange[3:] == pytest.approx(w)
    spin = np.r_[0, 0, 0, pose[:3, 2] * 0.5]  # spinning about the tool axis moves no flange
    assert twist_at_flange(spin, q, OFFSET)[:3] == pytest.approx(np.zeros(3), abs=1e-12)


def test_a_stale_missing_or_non_finite_winner_is_a_hold_tick():
    c = core()
    assert c.step(inputs([0.01, 0, 0, 0, 0, 0, 1])).mode == Mode.POLICY
    stale = inputs([0.01, 0, 0, 0, 0, 0, 1])
    stale.commands["policy"] = (stale.commands["policy"][0], 0.5)
    bad = c.step(stale)
    assert (bad.mode, bad.reason) == (Mode.HOLD, "policy: stale_command")
    nan = c.step(inputs([np.nan, 0, 0, 0, 0, 0, 1]))
    assert nan.reason == "policy: non_finite_command" and not np.any(nan.command[:6])
    assert c.counts[Mode.POLICY] == 1 and c.counts[Mode.HOLD] == 2 and c.tick == 3


def test_servo_not_in_twist_mode_holds_with_its_reason():
    decision = core().step(inputs([0.01, 0, 0, 0, 0, 0, 1], servo_ready=False))
    assert decision.mode == Mode.HOLD and "switch_command_type" in decision.reason


def test_an_inactive_command_controller_holds_even_the_human_and_ends_in_a_fault():
    c = core()
    human = {"human": (np.array([0.02, 0, 0, 0, 0, 0, 1.0]), 0.0)}
    fault = "forward_position_controller is inactive, not active"
    decision = c.step(inputs(commands=human, human_engaged=True, engaged_age=0.0,
                             controller_fault=fault))  # fmt: skip
    assert (decision.mode, decision.reason) == (Mode.HOLD, fault)
    assert ("fault", f"HOLD: {fault}") in decision.events
    assert not np.any(decision.command[:6])
    for _ in range(c.config.fault_abort_ticks - 1):
        decision = c.step(inputs(controller_fault=fault))
    assert decision.outcome == "fault"


def test_a_servo_halt_holds_the_policy_but_the_human_may_steer_out():
    c = core()
    halt = "MoveIt Servo halted: HALT_FOR_SINGULARITY"
    decision = c.step(inputs([0.02, 0, 0, 0, 0, 0, 1], servo_halt=halt))
    assert (decision.mode, decision.reason) == (Mode.HOLD, halt)
    human = {"human": (np.array([0, 0.02, 0, 0, 0, 0, 1.0]), 0.0)}
    decision = c.step(inputs(commands=human, human_engaged=True, engaged_age=0.0, servo_halt=halt))
    assert decision.mode == Mode.HUMAN and decision.command[1] > 0
    for _ in range(c.config.fault_abort_ticks + 5):  # not a robot fault: the episode goes on
        decision = c.step(inputs(servo_halt=halt))
    assert decision.outcome == ""


def test_a_recovery_that_stops_publishing_is_lost_and_cancelled():
    c = core()
    first = c.step(inputs(risk_trigger=True, risk_reason="stagnation"))
    assert first.start_recovery == "stagnation" and first.events == [("trigger", first.reason)]
    c.recovery_started()
    running = inputs()
    running.commands["recovery"] = (np.r_[0.01, np.zeros(5), 1.0], 0.0)
    assert c.step(running).mode == Mode.RECOVERY
    silent = inputs()  # no recovery command any more (its age is infinite)
    modes = [c.step(silent) for _ in range(4)]
    # during the grace ticks the silent recovery is a HOLD of its own (one event) ...
    assert modes[0].events == [("fault", "HOLD: recovery: missing_command")]
    lost = next(d for d in modes if ("fault", "HOLD: recovery server lost") in d.events)
    # ... then it is declared lost
    assert lost.events[0] == ("fault", "recovery server lost: recovery commands stopped")
    assert lost.cancel_recovery and lost.mode == Mode.HOLD
    assert lost.reason == "recovery server lost"


def test_episode_end_rules_and_ticks_that_do_not_run():
    c = core(max_ticks=3)
    for _ in range(3):
        assert c.step(inputs()).ran
    timeout = c.step(inputs())
    assert (timeout.outcome, timeout.ran, c.tick) == ("timeout", False, 3)
    assert core().step(inputs(task_success=True)).outcome == "success"
    assert core().step(inputs(task_failure=True)).outcome == "aborted"
    assert core().step(inputs(cancel_requested=True)).outcome == "aborted"
    faulty = core()
    faulty.config.fault_abort_ticks = 2
    first = faulty.step(inputs(robot_program_running=False))
    assert first.mode == Mode.HOLD and first.reason == "robot program not running"
    assert faulty.step(inputs(robot_program_running=False)).outcome == "fault"


def test_idle_only_the_human_drives_and_nothing_is_counted():
    c = SupervisorCore()
    hold = c.idle_step(inputs([0.1, 0, 0, 0, 0, 0, 1]))
    assert hold.mode == Mode.HOLD and not np.any(hold.command[:6])
    human = inputs(human_engaged=True, engaged_age=0.0)
    human.commands["human"] = (np.r_[0.01, np.zeros(5), 0.0], 0.0)
    assert c.idle_step(human).mode == Mode.HUMAN and c.tick == 0


def test_an_engaged_human_is_acted_on_between_ticks_within_the_limits():
    c = core()
    engaged = dict(human_engaged=True, engaged_age=0.0)
    human = np.r_[0.0, 0.2, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert c.takeover(inputs()) is None  # nobody engaged: wait for the tick
    faulted = inputs(robot_program_running=False, **engaged)
    faulted.commands["human"] = (human, 0.0)
    assert c.takeover(faulted) is None  # a robot fault holds even the human
    soon = inputs(since_output=0.01, **engaged)
    soon.commands["human"] = (human, 0.0)
    result = c.takeover(soon)
    # 10 ms after the last output the acceleration limit (2 m/s^2) allows 0.02 m/s
    assert result.command[1] == pytest.approx(0.02) and "acceleration_limited" in result.violations
    stale = inputs(**engaged)
    stale.commands["human"] = (human, 5.0)
    assert c.takeover(stale) is None  # a stale command is never executed
    assert c.tick == 0  # nothing is counted between ticks


def test_a_hold_is_an_event_when_it_begins_or_changes_cause_not_every_tick():
    c = core()
    assert c.step(inputs()).events == []  # the policy drives
    stale = [c.step(inputs(joints_age=5.0)) for _ in range(3)]
    assert [d.events for d in stale] == [[("fault", "HOLD: joint states stale or missing")], [], []]
    program = c.step(inputs(robot_program_running=False))
    assert program.events == [("fault", "HOLD: robot program not running")]
    assert c.step(inputs()).events == [] and c.step(inputs(joints_age=5.0)).events


def test_the_critic_going_stale_in_an_autonomous_episode_is_an_event_once():
    c = core()
    assert c.step(inputs()).events == []
    stale = [c.step(inputs(critic_age=5.0)) for _ in range(3)]
    assert [d.events for d in stale] == [
        [("fault", "critic output stale or invalid: no triggers")],
        [],
        [],
    ]
    assert all(d.mode == Mode.POLICY for d in stale)  # the policy drives on, untriggered
    assert c.step(inputs()).events == []
    hil_serl = core(autonomous=False)  # nothing to trigger: nothing to report
    assert (
        hil_serl.step(inputs()).events == [] and hil_serl.step(inputs(critic_age=5.0)).events == []
    )
