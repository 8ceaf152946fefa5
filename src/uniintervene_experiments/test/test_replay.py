"""The same per-tick inputs give the same per-tick decisions through supervisor_node's path
(messages -> callbacks -> gather_inputs -> SupervisorCore) and the in-process harness's
path (the simulator -> SupervisorInputs -> SupervisorCore).

A harness episode with triggers, recoveries and a human takeover is recorded; each tick's
inputs are then delivered to a real SupervisorNode (in-process, its clock set to the
tick's time, the graph's YAML parameters) as the messages its subscriptions receive, and
its decisions are compared field by field.
"""

from types import SimpleNamespace

import numpy as np
import pytest
import rclpy
from ament_index_python.packages import get_package_share_directory
from std_msgs.msg import Bool

from uniintervene_common import conversions as conv
from uniintervene_common import topics
from uniintervene_msgs.msg import ActionCommand, RiskState, TaskState, ValueEstimate
from uniintervene_sim.base_policy import BasePolicyConfig
from uniintervene_supervisor.nodes.supervisor_node import SupervisorNode

STALL = BasePolicyConfig(failure_rate=1.0, refault_probability=0.3, modes=("stall",))
SOURCE = {"policy": ActionCommand.POLICY, "human": ActionCommand.HUMAN, "recovery": 1}


class StandInGoalHandle:
    """What the node's episode uses of an Arbitrate goal handle."""

    is_cancel_requested = False

    def publish_feedback(self, feedback) -> None:
        pass


@pytest.fixture
def harness_trace(stalled_episode):
    trace = []
    stalled_episode(refault_probability=0.3, trace=trace)
    return trace


@pytest.fixture
def node():
    yaml_file = f"{get_package_share_directory('uniintervene_supervisor')}/config/supervisor.yaml"
    rclpy.init(args=["--ros-args", "--params-file", yaml_file, "-p", "record:=false"])
    node = SupervisorNode()
    node.start_recovery = lambda reason: None  # the Recover goal's life is replayed below
    yield node
    node.destroy_node()
    rclpy.shutdown()


def start(node: SupervisorNode) -> None:
    node.now = lambda: 99.0
    goal = SimpleNamespace(task="tube_insertion", autonomous_intervention=True, max_ticks=0)
    node.episodes.begin(StandInGoalHandle(), goal, seed=4)
    node.core.max_ticks = 0  # the harness's episode ends on the task (asserted), not on time


def deliver(node: SupervisorNode, inputs, now: float) -> None:
    """The tick's inputs as the messages the node's subscriptions would receive at `now`."""
    node.now = lambda: now
    for source, (command, age) in inputs.commands.items():
        assert age == 0.0
        node.on_command(source, conv.action_command_msg(command, SOURCE[source], conv.time_msg(0)))
    node.on_engaged(Bool(data=inputs.human_engaged))
    joints = conv.joint_state_msg(inputs.joints, np.zeros(6), [0.0, 0.0], conv.time_msg(now))
    node.on_joints(joints)
    node.on_program(Bool(data=inputs.robot_program_running))
    value = ValueEstimate(valid=inputs.critic_valid, value=0.5, state_value=0.5)
    node.on_input("value", topics.VALUE, value)
    risk = RiskState(trigger=inputs.risk_trigger, reason=inputs.risk_reason)
    node.on_input("risk", topics.RISK, risk)
    task = TaskState(task="tube_insertion", success=inputs.task_success)
    task.failure = inputs.task_failure
    node.on_input("task", topics.TASK_STATE, task)


def same_decision(ours, theirs) -> None:
    for field in ("mode", "reason", "tick", "start_recovery", "cancel_recovery", "events"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert (ours.outcome, ours.ran, ours.violations) == (
        theirs.outcome,
        theirs.ran,
        theirs.violations,
    )
    # the message carries the gripper as float32
    assert np.allclose(ours.command, theirs.command, atol=1e-6, equal_nan=True)


def test_node_and_harness_decide_the_same_on_the_same_inputs(harness_trace, node):
    modes = {int(decision.mode) for _, decision, _, _ in harness_trace}
    assert {0, 1, 2} <= modes, "the episode should hold policy, recovery and human ticks"
    assert any(started for *_, started in harness_trace)
    start(node)
    for tick, (inputs, decision, ended, started) in enumerate(harness_trace):
        if ended:
            node.core.recovery_ended()  # the Recover result arrived before the tick
        deliver(node, inputs, now=100.0 + 0.1 * tick)
        node.tick()
        same_decision(node.last_decision, decision)
        if started:
            node.core.recovery_started()  # the Recover goal was accepted
    assert not harness_trace[-1][1].ran and node.episode.outcome == "success"


def test_replay_detects_a_diverging_node(harness_trace, node):
    """The comparison can fail: a node that drops human commands decides differently."""
    start(node)
    with pytest.raises(AssertionError):
        for tick, (inputs, decision, ended, started) in enumerate(harness_trace):
            if ended:
                node.core.recovery_ended()
            inputs.commands.pop("human", None)
            deliver(node, inputs, now=100.0 + 0.1 * tick)
            node.tick()
            same_decision(node.last_decision, decision)
            if started:
                node.core.recovery_started()


def test_run_time_parameter_changes_reach_the_core_and_read_only_ones_are_refused(node):
    from rclpy.parameter import Parameter

    assert node.core.config.safety.max_linear_speed == 0.25
    assert node.set_parameters([Parameter("max_linear_speed", value=0.1)])[0].successful
    assert node.core.config.safety.max_linear_speed == 0.1
    assert node.core.safety.config.max_linear_speed == 0.1  # the filter the tick uses
    assert not node.set_parameters([Parameter("control_period", value=0.05)])[0].successful
    assert not node.set_parameters([Parameter("max_linear_speed", value=9.0)])[0].successful
    node.set_parameters([Parameter("autonomous_intervention", value=False)])
    start(node)  # the goal asks for autonomy; the cell's parameter says no
    assert not node.core.arbiter.config.autonomous_intervention
