"""supervisor_node across processes, against the simulated cell."""

import importlib.util
import math
import time

import numpy as np
import pytest
import torch
from action_msgs.msg import GoalStatus
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from geometry_msgs.msg import TwistStamped
from rclpy.action import ActionClient
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import JointState
from std_msgs.msg import Bool

from uniintervene_msgs.action import Arbitrate
from uniintervene_msgs.msg import (
    ActionCommand,
    ControlMode,
    InterventionEvent,
    Latent,
    RiskState,
    ValueEstimate,
)
from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy
from uniintervene_supervisor.recorder import read_recording
from uniintervene_testing.harness import WaitTimeout

pytestmark = pytest.mark.ros
DIM = 8


class Streams:
    """Test-side publishers at 10 Hz: a stand-in critic, policy and human."""

    def __init__(self, ros):
        node = ros.node
        self.trigger, self.engaged = False, False
        self.policy = np.array([0, 0, 0, 0, 0, 0, 1.0])  # hold still, keep the tube gripped
        self.pubs = {
            "latent": node.create_publisher(Latent, "/uniintervene/critic/latent", 10),
            "value": node.create_publisher(ValueEstimate, "/uniintervene/critic/value", 10),
            "risk": node.create_publisher(RiskState, "/uniintervene/critic/risk", 10),
            "policy": node.create_publisher(ActionCommand, "/uniintervene/policy/command", 10),
            "human": node.create_publisher(ActionCommand, "/uniintervene/human/command", 10),
            "engaged": node.create_publisher(Bool, "/uniintervene/human/engaged", 10),
        }
        self.engaged_at, self.published = None, 0
        node.create_timer(0.1, self.publish)

    def command(self, values, source):
        msg = ActionCommand(source=source, gripper=float(values[6]))
        t = msg.twist
        t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z = (
            float(v) for v in values[:6]
        )
        return msg

    def publish(self):
        self.published += 1
        self.pubs["latent"].publish(Latent(encoder="sim_cnn", data=[0.0] * DIM))
        self.pubs["value"].publish(ValueEstimate(value=0.3, state_value=0.3, valid=True))
        self.pubs["risk"].publish(
            RiskState(
                risk=1.0 if self.trigger else 0.0,
                trigger=self.trigger,
                reason="stagnation" if self.trigger else "",
            )
        )
        self.pubs["policy"].publish(self.command(self.policy, ActionCommand.POLICY))
        if self.engaged:
            self.pubs["human"].publish(self.command([0, 0.05, 0, 0, 0, 0, 1], ActionCommand.HUMAN))
        self.pubs["engaged"].publish(Bool(data=self.engaged))

    def wait_heard(self, ros, recovery=False):
        """Until the supervisor (and the recovery node) matched every stream they read on
        our side, then three rounds of them at their 10 Hz (the readers' side matches a
        moment later, and the nodes need inputs younger than their timeouts)."""
        for name, publisher in self.pubs.items():
            if name != "latent" or recovery:  # the latent is the recovery node's
                ros.wait_for_subscribers(publisher)
        start = self.published
        ros.spin_until(lambda: self.published >= start + 3, 5.0, "three rounds of the streams")

    def engage(self):
        self.engaged = True
        self.engaged_at = time.monotonic()
        self.publish()


@pytest.fixture
def cell(ros, start_node, tmp_path):
    sim = start_node(
        "uniintervene_sim",
        "sim_node",
        params={"task": "tube_insertion", "image_width": 64, "image_height": 64},
    )
    # a 10 Hz sim on a loaded 2-core CI machine can skip a tick: 0.5 s joint timeout
    params = {
        "recording_dir": str(tmp_path / "rec"),
        "cooldown_ticks": 5,
        "joint_state_timeout": 0.5,
        "recovery_max_ticks": 1000,  # recoveries last until the test ends them
    }
    supervisor = start_node("uniintervene_supervisor", "supervisor_node", params=params)
    client = ActionClient(ros.node, Arbitrate, "/uniintervene/arbitrate")
    try:
        ros.wait_for_action_server(client, timeout=30.0)
    except WaitTimeout:
        # Three times in CI (never alone) the first supervisor of this file ran, but its
        # action server never appeared to the test's participant: DDS discovery between
        # the two processes, not the node. Once a restarted supervisor was missed too, so
        # both sides start again as new participants; a second miss still fails.
        print(f"supervisor not discovered in 30 s, restarting it:\n{supervisor.output()}")
        supervisor.stop()
        ros.rejoin()
        client = ActionClient(ros.node, Arbitrate, "/uniintervene/arbitrate")
        supervisor = start_node("uniintervene_supervisor", "supervisor_node", params=params)
        ros.wait_for_action_server(client, timeout=60.0)
    return {"sim": sim, "supervisor": supervisor, "client": client, "dir": tmp_path}


@pytest.fixture
def recovery(start_node, tmp_path):
    policy = RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=32))
    with torch.no_grad():  # hold still with the tube gripped: an untrained policy may drop it
        last = policy.net[-1]  # and end the episode before the test does
        last.weight.zero_()
        last.bias.copy_(torch.tensor([0.0] * 6 + [6.0]))
    policy.save(tmp_path / "recovery")
    memory = InterventionMemory(DIM)
    memory.add(np.full(DIM, 3.0), 0.9, "any", "demo", 1.0)
    memory.save(tmp_path / "recovery" / "memory.safetensors")
    process = start_node(
        "uniintervene_recovery",
        "recovery_node",
        params={
            "policy_path": str(tmp_path / "recovery"),
            "max_ticks": 1000,
            "input_timeout": 2.0,  # the test streams the critic; tolerate a loaded machine
            "distance_threshold": 0.0,
            "memory_path": str(tmp_path / "recovery" / "memory.safetensors"),
        },
    )
    return process


@pytest.fixture
def recovery_ready(ros, recovery):
    from uniintervene_msgs.action import Recover

    client = ActionClient(ros.node, Recover, "/uniintervene/recover")
    ros.wait_for_action_server(client, timeout=30.0)
    diagnostics = ros.probe(DiagnosticArray, "/diagnostics")

    def supervisor_sees_the_server():
        return any(
            status.name == "uniintervene_supervisor: supervisor_node"
            and ("recovery_server_ready", "True") in {(kv.key, kv.value) for kv in status.values}
            for msg in diagnostics.messages
            for status in msg.status
        )

    ros.spin_until(supervisor_sees_the_server, 15.0, "the supervisor to see the recovery server")
    return recovery


def start_episode(ros, cell, task="", autonomous=True, max_ticks=1000):
    goal = Arbitrate.Goal(task=task, max_ticks=max_ticks, autonomous_intervention=autonomous)
    handle = ros.wait_future(cell["client"].send_goal_async(goal))
    assert handle.accepted
    return handle


def mode_probe(ros):
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

    from uniintervene_testing.harness import TopicProbe  # noqa: F401 (type of the probe)

    # transient local like the publisher, but deep: no mode is overwritten unread
    latched = QoSProfile(
        depth=100,
        reliability=ReliabilityPolicy.RELIABLE,
        durability=DurabilityPolicy.TRANSIENT_LOCAL,
    )
    return ros.probe(ControlMode, "/uniintervene/control_mode", latched)


def start_recovering_episode(ros, cell, streams, modes):
    """Start an autonomous episode and raise the risk trigger until a recovery runs."""
    streams.wait_heard(ros, recovery=True)
    handle = start_episode(ros, cell)
    streams.trigger = True
    ros.spin_until(
        lambda: modes.messages and modes.messages[-1].mode == ControlMode.RECOVERY,
        15.0,
        "RECOVERY mode",
    )
    streams.trigger = False
    return handle


def test_hil_serl_episode_against_the_sim_is_counted_and_recorded(ros, start_node, cell):
    start_node("uniintervene_sim", "policy_node", params={"failure_rate": 1.0, "modes": ["stall"]})
    start_node("uniintervene_sim", "operator_node")
    from visualization_msgs.msg import Marker

    markers = ros.probe(Marker, "/uniintervene/status_marker", 100)
    handle = start_episode(ros, cell, "tube_insertion", autonomous=False, max_ticks=400)
    result = ros.wait_future(handle.get_result_async(), timeout=90.0).result
    labels = {m.text.split()[0] for m in markers.messages}
    assert {"POLICY", "HUMAN"} <= labels  # the RViz status text follows who drives
    assert all(m.header.frame_id == "base_link" and m.pose.position.z > 0 for m in markers.messages)
    assert result.outcome == "success" and result.success
    assert result.ticks == (
        result.policy_ticks + result.recovery_ticks + result.human_ticks + result.hold_ticks
    )
    assert result.human_ticks > 0 and result.recovery_ticks == 0 and result.triggers == 0
    assert result.human_intervention_rate == pytest.approx(result.human_ticks / result.ticks)
    topics = {topic for topic, *_ in read_recording(result.recording)}
    assert {
        "/camera/camera/color/image_raw",
        "/joint_states",
        "/uniintervene/command",
        "/uniintervene/control_mode",
        "/uniintervene/human/command",
        "/uniintervene/policy/command",
    } <= topics


def test_human_takeover_mid_recovery_wins_within_one_tick_and_cancels_it(ros, cell, recovery_ready):
    streams = Streams(ros)
    modes = mode_probe(ros)
    recovery_commands = ros.probe(ActionCommand, "/uniintervene/recovery/command")
    handle = start_recovering_episode(ros, cell, streams, modes)
    recovery_commands.wait_for(count=2, timeout=10.0)
    streams.engage()
    ros.spin_until(lambda: modes.messages[-1].mode == ControlMode.HUMAN, 2.0, "HUMAN mode")
    human_at = modes.stamps[-1]
    # Within one tick: after the takeover was published, at most the tick already in
    # flight may still be non-HUMAN (counted in ticks, not wall time, for loaded machines).
    after = [
        m.mode for m, t in zip(modes.messages, modes.stamps, strict=True) if t > streams.engaged_at
    ]
    assert after.index(ControlMode.HUMAN) <= 1, after
    ros.spin_for(0.5)
    late = [t for t in recovery_commands.stamps if t > human_at + 0.3]
    assert late == []  # the Recover goal was cancelled
    ros.wait_future(handle.cancel_goal_async())
    result = ros.wait_future(handle.get_result_async(), timeout=10.0)
    assert result.status == GoalStatus.STATUS_CANCELED, result.result.outcome
    assert result.result.recovery_ticks > 0 and result.result.triggers >= 1


def test_recovery_node_killed_mid_recovery_means_hold_and_a_fault_event(ros, cell, recovery_ready):
    streams = Streams(ros)
    modes = mode_probe(ros)
    events = ros.probe(InterventionEvent, "/uniintervene/events")
    servo = ros.probe(TwistStamped, "/servo_node/delta_twist_cmds")
    handle = start_recovering_episode(ros, cell, streams, modes)
    ros.spin_for(0.3)
    recovery_ready.kill()
    killed_at = time.monotonic()

    def lost_hold():
        return any(
            t > killed_at and m.mode == ControlMode.HOLD and "recovery server lost" in m.reason
            for m, t in zip(modes.messages, modes.stamps, strict=True)
        )

    ros.spin_until(lost_hold, 3.0, "HOLD: recovery server lost")
    first = next(
        t
        for m, t in zip(modes.messages, modes.stamps, strict=True)
        if t > killed_at and "recovery server lost" in m.reason
    )
    # silence longer than recovery_timeout (0.3 s) is noticed on the next tick
    assert first - killed_at < 1.0  # 0.3 s silence + a tick, with slack for a loaded CI
    ros.spin_until(
        lambda: any(e.kind == InterventionEvent.FAULT for e in events.messages),
        2.0,
        "a FAULT event",
    )
    ros.spin_for(0.3)
    held = [
        m.twist
        for m, t in zip(servo.messages, servo.stamps, strict=True)
        if first < t < first + 0.25
    ]
    assert held and all(t.linear.x == t.linear.y == t.linear.z == 0.0 for t in held)
    assert cell["supervisor"].is_alive()
    ros.wait_future(handle.cancel_goal_async())


def rejected_policy_commands(diagnostics) -> int:
    counts = [
        int({kv.key: kv.value for kv in status.values}.get("rejected_policy_commands", 0))
        for array in diagnostics.messages
        for status in array.status
    ]
    return max(counts, default=0)


def test_a_real_cell_without_ur_dashboard_msgs_says_its_safety_mode_is_not_watched(ros, cell):
    """These machines have no ur_dashboard_msgs: the protective stops of a real arm
    (require_robot_program, the default) would go unseen, so it is a WARN, not silence."""
    if importlib.util.find_spec("ur_dashboard_msgs") is not None:
        pytest.skip("ur_dashboard_msgs is installed here: the safety mode is watched")
    diagnostics = ros.probe(DiagnosticArray, "/diagnostics")

    def supervisor_status():
        return [
            status
            for msg in diagnostics.messages
            for status in msg.status
            if status.name == "uniintervene_supervisor: supervisor_node"
        ]

    ros.spin_until(supervisor_status, 10.0, "the supervisor's diagnostics")
    status = supervisor_status()[-1]
    assert ("safety_mode_watched", "False") in {(kv.key, kv.value) for kv in status.values}
    assert status.level == DiagnosticStatus.WARN
    assert "ur_dashboard_msgs is missing" in cell["supervisor"].output()


def test_a_thousand_malformed_commands_move_nothing_and_are_counted(ros, cell):
    modes = mode_probe(ros)
    servo = ros.probe(TwistStamped, "/servo_node/delta_twist_cmds")
    diagnostics = ros.probe(DiagnosticArray, "/diagnostics")
    policy = ros.node.create_publisher(ActionCommand, "/uniintervene/policy/command", 100)
    ros.wait_for_subscribers(policy)
    handle = start_episode(ros, cell, autonomous=False)
    # The supervisor is up and ticking this episode before the flood starts.
    ros.spin_until(
        lambda: modes.messages and modes.messages[-1].episode_tick >= 5, 10.0, "the episode to run"
    )
    diagnostics.wait_for(count=len(diagnostics.messages) + 2, timeout=5.0)
    before = rejected_policy_commands(diagnostics)
    bad = [math.nan, math.inf, -math.inf, 1e308 * 10]
    for i in range(1000):
        msg = ActionCommand(source=ActionCommand.POLICY, gripper=0.0)
        msg.twist.linear.x = bad[i % 4]
        msg.twist.angular.z = 0.1
        policy.publish(msg)
        # ~50 per second, a source's pace: the supervisor's queue (100) covers its stalls
        ros.spin_for(0.02)
    ros.spin_for(1.5)
    assert servo.messages and all(
        m.twist.linear.x == 0 and m.twist.angular.z == 0 for m in servo.messages
    )
    ros.spin_until(
        lambda: rejected_policy_commands(diagnostics) >= before + 1000,
        10.0,
        f"1000 more rejected commands in diagnostics (from {before})",
    )
    assert modes.messages[-1].mode == ControlMode.HOLD and cell["supervisor"].is_alive()
    ros.wait_future(handle.cancel_goal_async())


def test_recording_of_a_killed_run_is_readable(ros, cell):
    streams = Streams(ros)
    streams.policy = np.array([0.0, 0.02, 0.0, 0.0, 0.0, 0.0, 1.0])
    start_episode(ros, cell, "tube_insertion", autonomous=False)
    # the recording opens once the sim's reset has answered (a lost reply is asked again)
    ros.spin_until(lambda: list((cell["dir"] / "rec").glob("*.mcap")), 10.0, "a recording")
    ros.spin_for(2.0)
    cell["supervisor"].kill()
    files = list((cell["dir"] / "rec").glob("*.mcap"))
    assert len(files) == 1
    messages = read_recording(files[0])
    modes = [
        deserialize_message(data, ControlMode)
        for topic, _, data, _ in messages
        if topic == "/uniintervene/control_mode"
    ]
    assert len(modes) >= 10  # at most the last fraction of a second is lost
    assert any(m.mode == ControlMode.POLICY for m in modes)
    assert {"/joint_states", "/camera/camera/color/image_raw"} <= {t for t, *_ in messages}


def test_operator_hold_and_resume_services(ros, cell):
    from std_srvs.srv import Trigger

    streams = Streams(ros)
    modes = mode_probe(ros)
    hold = ros.node.create_client(Trigger, "/uniintervene/supervisor/hold")
    resume = ros.node.create_client(Trigger, "/uniintervene/supervisor/resume")
    ros.wait_for_service(hold, "/supervisor_node")  # resume was created first: ready too
    streams.wait_heard(ros)
    handle = start_episode(ros, cell, autonomous=False)
    ros.spin_until(
        lambda: modes.messages and modes.messages[-1].mode == ControlMode.POLICY, 5.0, "POLICY"
    )
    assert ros.wait_future(hold.call_async(Trigger.Request())).success
    ros.spin_until(lambda: modes.messages[-1].reason == "operator hold", 2.0, "operator hold")
    streams.engage()  # the human still preempts an operator hold
    ros.spin_until(lambda: modes.messages[-1].mode == ControlMode.HUMAN, 2.0, "HUMAN")
    streams.engaged = False
    assert ros.wait_future(resume.call_async(Trigger.Request())).success
    ros.spin_until(lambda: modes.messages[-1].mode == ControlMode.POLICY, 3.0, "POLICY again")
    ros.wait_future(handle.cancel_goal_async())


def test_every_tick_becomes_a_transition_for_the_learner(ros, cell):
    from uniintervene_common import qos
    from uniintervene_msgs.msg import Transition

    streams = Streams(ros)
    streams.policy = np.array([0.02, 0, 0, 0, 0, 0, 1.0])
    transitions = ros.probe(Transition, "/uniintervene/transitions", qos.TRANSITIONS)
    streams.wait_heard(ros, recovery=True)  # the supervisor reads the latent too
    handle = start_episode(ros, cell, autonomous=False, max_ticks=30)
    result = ros.wait_future(handle.get_result_async(), timeout=30.0).result
    ros.spin_for(0.3)
    assert result.outcome == "timeout" and result.ticks == 30
    got = transitions.messages
    # one per tick whose next observation was known (the last one's is the episode end)
    assert len(got) >= 25, len(got)
    assert [t.sequence for t in got] == list(range(got[0].sequence, got[0].sequence + len(got)))
    assert len({t.episode_id for t in got}) == 1 and all(t.task == "" for t in got)
    assert [t.tick for t in got] == sorted({t.tick for t in got}) and got[-1].tick == 29
    assert got[-1].truncated and not got[-1].done  # a time limit, not a terminal state
    assert not any(t.done or t.truncated or t.reward for t in got[:-1])
    policy_ticks = [t for t in got if t.executed.source == ActionCommand.POLICY]
    assert len(policy_ticks) >= 20
    # the action is the twist the arm made (joint states + kinematics), here the commanded
    assert np.median([t.executed.twist.linear.x for t in policy_ticks]) == pytest.approx(
        0.02, abs=0.002
    )
    assert all(len(t.latent) == DIM and len(t.next_latent) == DIM for t in got)
    assert all(len(t.proprio) == 7 and np.all(np.isfinite(t.proprio)) for t in got)
    # the arm moved along +x: the next observation is the one after the executed command
    assert got[-1].next_proprio != got[0].proprio


def test_the_operator_success_service_ends_the_episode_rewarded(ros, cell):
    from std_srvs.srv import Trigger

    from uniintervene_common import qos
    from uniintervene_msgs.msg import Transition

    streams = Streams(ros)
    transitions = ros.probe(Transition, "/uniintervene/transitions", qos.TRANSITIONS)
    mark = ros.node.create_client(Trigger, "/uniintervene/supervisor/success")
    ros.wait_for_service(mark, "/supervisor_node")
    assert not ros.wait_future(mark.call_async(Trigger.Request())).success  # no episode yet
    streams.wait_heard(ros, recovery=True)
    handle = start_episode(ros, cell, autonomous=False, max_ticks=300)
    ros.spin_until(lambda: len(transitions.messages) >= 5, 10.0, "five transitions")
    assert ros.wait_future(mark.call_async(Trigger.Request())).success
    result = ros.wait_future(handle.get_result_async(), timeout=10.0).result
    assert result.outcome == "success" and result.success and result.ticks < 300
    ros.spin_for(0.3)
    last = transitions.messages[-1]
    assert last.done and last.reward == 1.0 and not last.truncated
    assert sum(t.reward for t in transitions.messages) == 1.0


def test_a_supervisor_that_cannot_record_still_supervises(ros, start_node, tmp_path):
    """The reported crash, across processes: started with the ROS prefix missing from
    AMENT_PREFIX_PATH, the recorder cannot resolve std_msgs; the episode runs anyway."""
    import os

    ours = [p for p in os.environ["AMENT_PREFIX_PATH"].split(":") if "/install/" in p]
    start_node("uniintervene_sim", "sim_node", params={"task": "wipe"})
    start_node("uniintervene_sim", "policy_node", params={"failure_rate": 0.0})
    start_node(
        "uniintervene_supervisor",
        "supervisor_node",
        params={"recording_dir": str(tmp_path / "rec"), "joint_state_timeout": 0.5},
        env={"AMENT_PREFIX_PATH": ":".join(ours)},
    )
    client = ActionClient(ros.node, Arbitrate, "/uniintervene/arbitrate")
    ros.wait_for_action_server(client, timeout=30.0)
    events = ros.probe(InterventionEvent, "/uniintervene/events", 100)
    handle = ros.wait_future(
        client.send_goal_async(Arbitrate.Goal(task="wipe", max_ticks=20)), timeout=10.0
    )
    result = ros.wait_future(handle.get_result_async(), timeout=60.0).result
    assert result.ticks > 0 and result.outcome in ("timeout", "success")
    assert "recording failed" in result.problems and "not found" in result.problems
    assert any(
        e.kind == InterventionEvent.FAULT and "recording" in e.detail for e in events.messages
    )


def test_a_takeover_reaches_the_robot_without_waiting_for_the_tick(ros, start_node, tmp_path):
    """With a 1 s control tick, a tick-bound takeover would wait 0.5 s on average; the
    human's twist must reach Servo within 0.3 s of the engaged message every time."""
    import random

    start_node("uniintervene_sim", "sim_node", params={"task": "wipe"})
    start_node(
        "uniintervene_supervisor",
        "supervisor_node",
        params={"control_period": 1.0, "record": False, "joint_state_timeout": 0.5},
    )
    client = ActionClient(ros.node, Arbitrate, "/uniintervene/arbitrate")
    ros.wait_for_action_server(client, timeout=30.0)
    node = ros.node
    human = node.create_publisher(ActionCommand, "/uniintervene/human/command", 10)
    engaged = node.create_publisher(Bool, "/uniintervene/human/engaged", 10)
    servo = ros.probe(TwistStamped, "/servo_node/delta_twist_cmds", 100)
    modes = mode_probe(ros)
    joints = ros.probe(JointState, "/joint_states")
    ros.wait_for_subscribers(human)
    ros.wait_for_subscribers(engaged)
    # the robot may move only on fresh joint states (0.5 s here): the sim must stream first
    joints.wait_for(count=5, timeout=30.0)
    handle = ros.wait_future(client.send_goal_async(Arbitrate.Goal(task="", max_ticks=10000)))
    assert handle.accepted
    ros.spin_for(1.5)
    latencies = []
    for _ in range(5):
        ros.spin_for(random.uniform(0.0, 1.0))  # a random phase of the tick
        servo.clear()
        sent = time.monotonic()
        command = ActionCommand(source=ActionCommand.HUMAN, gripper=1.0)
        command.twist.linear.y = 0.05
        human.publish(command)
        engaged.publish(Bool(data=True))
        try:
            ros.spin_until(
                lambda: any(m.twist.linear.y > 0 for m in servo.messages), 3.0, "the human's twist"
            )
        except WaitTimeout as error:  # say what the supervisor was doing instead
            last = modes.messages[-1] if modes.messages else None
            raise AssertionError(
                f"{error}; last mode {last and (last.mode, last.reason)}"
            ) from None
        latencies.append(time.monotonic() - sent)
        engaged.publish(Bool(data=False))
        ros.spin_for(0.6)  # released (human_timeout 0.5 s)
    ros.wait_future(handle.cancel_goal_async())
    assert max(latencies) < 0.3, latencies
