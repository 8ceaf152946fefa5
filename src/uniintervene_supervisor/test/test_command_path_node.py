"""supervisor_node owns the real cell's command path, over DDS: it holds until the
controller MoveIt Servo feeds is active, activates it when an episode starts (taking the
joints from ur_robot_driver's trajectory controller), sees it switched away mid-episode,
and holds the policy through a Servo halt. The controller manager and Servo's status
are played by the test with their upstream interfaces (controller_manager_msgs,
moveit_msgs: interfaces/upstream where ROS comes from the PyPI wheels)."""

import pytest

controller_manager_msgs = pytest.importorskip("controller_manager_msgs.srv")
moveit_msgs = pytest.importorskip("moveit_msgs.msg")

from controller_manager_msgs.msg import ControllerState  # noqa: E402
from diagnostic_msgs.msg import DiagnosticArray  # noqa: E402
from rclpy.action import ActionClient  # noqa: E402
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy  # noqa: E402

from uniintervene_msgs.action import Arbitrate  # noqa: E402
from uniintervene_msgs.msg import ActionCommand, ControlMode, InterventionEvent  # noqa: E402

pytestmark = pytest.mark.ros
JOINTS = [f"joint_{i}/position" for i in range(6)]
FPC, TRAJECTORY = "forward_position_controller", "scaled_joint_trajectory_controller"


class ControllerManager:
    """The controller manager's two services, as ur_robot_driver starts it."""

    def __init__(self, node):
        self.states = {TRAJECTORY: "active", FPC: "inactive", "joint_state_broadcaster": "active"}
        self.switches = []
        srv = controller_manager_msgs
        node.create_service(srv.ListControllers, "/controller_manager/list_controllers", self.list)
        node.create_service(
            srv.SwitchController, "/controller_manager/switch_controller", self.switch
        )

    def list(self, request, response):
        for name, state in self.states.items():
            joints = JOINTS if name != "joint_state_broadcaster" else []
            response.controller.append(
                ControllerState(
                    name=name,
                    state=state,
                    claimed_interfaces=joints if state == "active" else [],
                    required_command_interfaces=joints,
                )
            )
        return response

    def switch(self, request, response):
        activate, deactivate = list(request.activate_controllers), request.deactivate_controllers
        self.switches.append((activate, list(deactivate), request.strictness))
        for name in request.deactivate_controllers:
            self.states[name] = "inactive"
        for name in request.activate_controllers:
            self.states[name] = "active"
        response.ok = True
        return response


def test_the_supervisor_holds_until_the_command_controller_is_active_and_through_servo_halts(
    ros, start_node, tmp_path
):
    manager = ControllerManager(ros.node)
    status_pub = ros.node.create_publisher(moveit_msgs.ServoStatus, "/servo_node/status", 10)
    policy_pub = ros.node.create_publisher(ActionCommand, "/uniintervene/policy/command", 10)

    def publish_policy():
        msg = ActionCommand(source=ActionCommand.POLICY, gripper=1.0)
        msg.twist.linear.z = 0.01
        policy_pub.publish(msg)

    ros.node.create_timer(0.1, publish_policy)
    latched = QoSProfile(depth=200, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL)  # fmt: skip
    modes = ros.probe(ControlMode, "/uniintervene/control_mode", latched)
    events = ros.probe(InterventionEvent, "/uniintervene/events", 100)
    diagnostics = ros.probe(DiagnosticArray, "/diagnostics")
    sim = {"task": "tube_insertion", "image_width": 64, "image_height": 64}
    start_node("uniintervene_sim", "sim_node", params=sim)
    start_node(
        "uniintervene_supervisor",
        "supervisor_node",
        params={
            "recording_dir": str(tmp_path / "rec"),
            "joint_state_timeout": 0.5,
            "watch_command_controller": True,
            "watch_servo_status": True,
            "servo_halt_hold": 1.0,
        },
    )

    def last_mode():
        return modes.messages[-1] if modes.messages else None

    # idle: it says why it holds, and leaves the user's trajectory controller alone
    ros.spin_until(lambda: last_mode() and "not active" in last_mode().reason, 30.0,
                   "HOLD for the inactive controller")  # fmt: skip
    assert last_mode().reason == f"{FPC} is inactive, not active"
    ros.spin_for(1.5)
    assert manager.switches == []

    client = ActionClient(ros.node, Arbitrate, "/uniintervene/arbitrate")
    ros.wait_for_action_server(client, timeout=30.0)
    goal = Arbitrate.Goal(max_ticks=1000, autonomous_intervention=False)
    handle = ros.wait_future(client.send_goal_async(goal))
    assert handle.accepted
    ros.spin_until(lambda: last_mode().mode == ControlMode.POLICY, 15.0, "POLICY once active")
    assert manager.switches[0] == ([FPC], [TRAJECTORY], 2)  # STRICT

    # Servo halts: the policy holds for the hold time after the last report, then drives
    halt = "MoveIt Servo halted: HALT_FOR_SINGULARITY (Very close to a singularity)"
    status_pub.publish(moveit_msgs.ServoStatus(code=2, message="Very close to a singularity"))
    ros.spin_until(lambda: last_mode().reason == halt, 5.0, "HOLD for the Servo halt")
    ros.spin_until(lambda: last_mode().mode == ControlMode.POLICY, 5.0, "POLICY after it")
    assert any(e.detail == f"HOLD: {halt}" for e in events.messages)

    # a homing run switches the controller away mid-episode: seen, held, taken back
    manager.states[FPC], manager.states[TRAJECTORY] = "inactive", "active"
    ros.spin_until(lambda: "not active" in last_mode().reason, 5.0, "HOLD when switched away")
    ros.spin_until(lambda: last_mode().mode == ControlMode.POLICY, 10.0, "POLICY again")
    assert len(manager.switches) == 2

    def supervisor_values():
        return [
            {kv.key: kv.value for kv in status.values}
            for msg in diagnostics.messages
            for status in msg.status
            if status.name == "uniintervene_supervisor: supervisor_node"
        ]

    def settled():
        values = supervisor_values()
        last = values[-1] if values else {}
        return last.get("controller_switches") == "2" and last["command_controller_active"]

    ros.spin_until(lambda: settled() == "True", 5.0, "diagnostics: active after 2 switches")
    values = supervisor_values()[-1]
    assert values["servo_halt_for_singularity"] == "1"
    assert values["servo_last_halt"] == "HALT_FOR_SINGULARITY (Very close to a singularity)"
    ros.wait_future(handle.cancel_goal_async())
    problems = ros.wait_future(handle.get_result_async(), timeout=10.0).result.problems
    assert f"HOLD: {halt}" in problems and f"HOLD: {FPC} is inactive, not active" in problems


def test_an_arm_that_lags_the_commanded_twist_is_a_warning_and_the_learner_gets_what_it_did(
    ros, start_node, tmp_path
):
    """The simulated arm makes half of each twist (sim_node twist_tracking 0.5, as MoveIt
    Servo's Float64MultiArray output slows a real arm): the supervisor measures it from
    the joint states, WARNs on /diagnostics, publishes the measured twist, and the
    learner's transitions carry the twist made, not the one commanded."""
    from geometry_msgs.msg import TwistStamped

    from uniintervene_common import qos
    from uniintervene_msgs.msg import Latent, Transition

    policy_pub = ros.node.create_publisher(ActionCommand, "/uniintervene/policy/command", 10)
    latent_pub = ros.node.create_publisher(Latent, "/uniintervene/critic/latent", 10)

    def publish():
        msg = ActionCommand(source=ActionCommand.POLICY, gripper=1.0)
        msg.twist.linear.x = 0.02
        policy_pub.publish(msg)
        latent_pub.publish(Latent(encoder="sim_cnn", data=[0.0] * 8))

    ros.node.create_timer(0.1, publish)
    diagnostics = ros.probe(DiagnosticArray, "/diagnostics")
    measured = ros.probe(TwistStamped, "/uniintervene/measured_twist")
    transitions = ros.probe(Transition, "/uniintervene/transitions", qos.TRANSITIONS)
    sim = {"task": "tube_insertion", "image_width": 64, "image_height": 64, "twist_tracking": 0.5}
    start_node("uniintervene_sim", "sim_node", params=sim)
    start_node(
        "uniintervene_supervisor",
        "supervisor_node",
        params={"recording_dir": str(tmp_path / "rec"), "joint_state_timeout": 0.5},
    )
    client = ActionClient(ros.node, Arbitrate, "/uniintervene/arbitrate")
    ros.wait_for_action_server(client, timeout=30.0)
    ros.wait_for_subscribers(latent_pub)
    ros.spin_for(0.5)
    goal = Arbitrate.Goal(max_ticks=40, autonomous_intervention=False)
    handle = ros.wait_future(client.send_goal_async(goal))
    result = ros.wait_future(handle.get_result_async(), timeout=30.0).result
    assert result.outcome == "timeout"

    def lag_warning():
        return [
            status.message
            for msg in diagnostics.messages
            for status in msg.status
            if status.name == "uniintervene_supervisor: supervisor_node"
            and "of the commanded TCP speed" in status.message
        ]

    (message, *_) = ros.spin_until(lag_warning, 5.0, "the lag warning")
    made = float(message.split("the arm makes ")[1].split("%")[0]) / 100
    assert made == pytest.approx(0.5, abs=0.1)
    speeds = [m.twist.linear.x for m in measured.messages]
    assert len(speeds) >= 30 and sorted(speeds)[len(speeds) // 2] == pytest.approx(0.01, abs=0.002)
    policy = [t.executed.twist.linear.x for t in transitions.messages if t.executed.source == 0]
    assert len(policy) >= 30 and sorted(policy)[len(policy) // 2] == pytest.approx(0.01, abs=0.002)
