"""supervisor_node: the only node that commands the robot.

Hosts the Arbitrate action (/uniintervene/arbitrate: one goal = one supervised episode),
arbitrates every control tick between human, hold, recovery and policy
(arbitration.Arbiter), passes the winner through the safety filter (safety.SafetyFilter),
and publishes the safe twist to MoveIt Servo (/servo_node/delta_twist_cmds) and the
gripper, the executed /uniintervene/command, /uniintervene/control_mode (transient local),
/uniintervene/events and /diagnostics. It is a client of /uniintervene/recover, watches
the UR driver's robot_program_running (and safety_mode where ur_dashboard_msgs exists),
offers hold/resume services, and records each episode to MCAP.
"""

import pathlib
import sys
import threading
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import TwistStamped
from rclpy.action import ActionClient, ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
from rclpy.serialization import serialize_message
from rclpy.task import Future
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Bool, Float64
from std_srvs.srv import Trigger
from visualization_msgs.msg import Marker

from uniintervene_msgs.action import Arbitrate, Recover
from uniintervene_msgs.msg import (
    ActionCommand,
    ControlMode,
    InterventionEvent,
    RiskState,
    TaskState,
    ValueEstimate,
)
from uniintervene_msgs.srv import ResetTask
from uniintervene_sim import ros_conversions as conv
from uniintervene_sim.nodes.common import run
from uniintervene_supervisor.arbitration import Arbiter, Mode, TickInputs
from uniintervene_supervisor.nodes.params import arbiter_config, declare_all, safety_config
from uniintervene_supervisor.recorder import EpisodeRecorder
from uniintervene_supervisor.robot import tcp_position
from uniintervene_supervisor.safety import SafetyFilter
from uniintervene_supervisor.status import status_label

LATCHED = QoSProfile(
    depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL
)
EVENT_KINDS = {
    "trigger": InterventionEvent.TRIGGER,
    "human_takeover": InterventionEvent.HUMAN_TAKEOVER,
    "human_release": InterventionEvent.HUMAN_RELEASE,
}
RECORDED = {  # topic -> type recorded with each episode
    "/camera/camera/color/image_raw": "sensor_msgs/msg/Image",
    "/joint_states": "sensor_msgs/msg/JointState",
    "/uniintervene/policy/command": "uniintervene_msgs/msg/ActionCommand",
    "/uniintervene/human/command": "uniintervene_msgs/msg/ActionCommand",
    "/uniintervene/human/engaged": "std_msgs/msg/Bool",
    "/uniintervene/recovery/command": "uniintervene_msgs/msg/ActionCommand",
    "/uniintervene/command": "uniintervene_msgs/msg/ActionCommand",
    "/uniintervene/critic/value": "uniintervene_msgs/msg/ValueEstimate",
    "/uniintervene/critic/risk": "uniintervene_msgs/msg/RiskState",
    "/uniintervene/control_mode": "uniintervene_msgs/msg/ControlMode",
    "/uniintervene/events": "uniintervene_msgs/msg/InterventionEvent",
    "/uniintervene/sim/task_state": "uniintervene_msgs/msg/TaskState",
}


def command_array(msg: ActionCommand) -> np.ndarray:
    return np.r_[conv.twist_to_array(msg.twist), msg.gripper]


class Latest:
    """The newest value of one input and when it arrived (monotonic seconds)."""

    def __init__(self):
        self.value, self.at = None, -np.inf

    def set(self, value) -> None:
        self.value, self.at = value, time.monotonic()

    def age(self) -> float:
        return time.monotonic() - self.at


class SupervisorNode(Node):
    def __init__(self):
        super().__init__("supervisor_node")
        self.p = declare_all(self)
        self.safety = SafetyFilter(safety_config(self.p), self.p.control_period)
        self.arbiter = Arbiter(arbiter_config(self.p, self.p.autonomous_intervention))
        self.lock = threading.RLock()
        self.inputs = {
            name: Latest()
            for name in (
                "policy",
                "human",
                "recovery",
                "engaged",
                "joints",
                "value",
                "risk",
                "task",
            )
        }
        self.program_running = None
        self.safety_normal = True
        self.operator_hold = False
        self.lost_recovery_until = -1
        self.rejected = {"policy": 0, "human": 0, "recovery": 0}
        self.episode = None
        self.episode_count = 0
        self.recovery_handle = None
        self.recorder = None
        self.last_mode = None
        self.recovery_started_tick = 0

        group = ReentrantCallbackGroup()
        self.servo_pub = self.create_publisher(TwistStamped, "/servo_node/delta_twist_cmds", 10)
        self.gripper_pub = self.create_publisher(Float64, "/uniintervene/gripper/command", 10)
        self.command_pub = self.create_publisher(ActionCommand, "/uniintervene/command", 10)
        self.mode_pub = self.create_publisher(ControlMode, "/uniintervene/control_mode", LATCHED)
        self.event_pub = self.create_publisher(InterventionEvent, "/uniintervene/events", 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self.marker_pub = self.create_publisher(Marker, "/uniintervene/status_marker", 10)
        sub = lambda t, topic, cb, qos=10: self.create_subscription(  # noqa: E731
            t, topic, cb, qos, callback_group=group
        )
        for source in ("policy", "human", "recovery"):
            sub(
                ActionCommand,
                f"/uniintervene/{source}/command",
                lambda msg, s=source: self.on_command(s, msg),
            )
        sub(Bool, "/uniintervene/human/engaged", self.on_engaged)
        sub(JointState, "/joint_states", self.on_joints)
        sub(ValueEstimate, "/uniintervene/critic/value", lambda m: self.on_input("value", m))
        sub(RiskState, "/uniintervene/critic/risk", lambda m: self.on_input("risk", m))
        sub(TaskState, "/uniintervene/sim/task_state", lambda m: self.on_input("task", m))
        sub(Bool, "/io_and_status_controller/robot_program_running", self.on_program, LATCHED)
        self.create_subscription(
            Image,
            "/camera/camera/color/image_raw",
            self.on_image,
            qos_profile_sensor_data,
            callback_group=group,
            raw=True,
        )
        self.watch_safety_mode(group)
        self.create_service(Trigger, "/uniintervene/supervisor/hold", self.on_hold)
        self.create_service(Trigger, "/uniintervene/supervisor/resume", self.on_resume)
        self.reset_client = None
        if self.p.reset_service:
            self.reset_client = self.create_client(
                ResetTask, self.p.reset_service, callback_group=group
            )
        self.recover_client = ActionClient(
            self, Recover, "/uniintervene/recover", callback_group=group
        )
        self.server = ActionServer(
            self,
            Arbitrate,
            "/uniintervene/arbitrate",
            execute_callback=self.execute,
            goal_callback=self.on_goal,
            cancel_callback=lambda h: CancelResponse.ACCEPT,
            callback_group=group,
        )
        self.create_timer(
            self.p.control_period, self.tick, callback_group=MutuallyExclusiveCallbackGroup()
        )
        self.create_timer(1.0, self.publish_diagnostics, callback_group=group)
        if self.p.servo_switch_to_twist:
            self.switch_servo_to_twist()
        self.publish_mode(Mode.HOLD, "idle", 0)

    # -- inputs ---------------------------------------------------------------------------
    def record(self, topic: str, msg, raw: bytes | None = None) -> None:
        with self.lock:
            if self.recorder is not None:
                self.recorder.write(
                    topic, RECORDED[topic], raw or serialize_message(msg), time.time_ns()
                )

    def on_command(self, source: str, msg: ActionCommand) -> None:
        self.record(f"/uniintervene/{source}/command", msg)
        command = command_array(msg)
        if not np.all(np.isfinite(command)):
            self.rejected[source] += 1
            self.get_logger().warn(
                f"rejected non-finite {source} command", throttle_duration_sec=2.0
            )
        self.inputs[source].set(command)  # a bad latest command makes the filter hold

    def on_engaged(self, msg: Bool) -> None:
        self.record("/uniintervene/human/engaged", msg)
        self.inputs["engaged"].set(bool(msg.data))

    def on_joints(self, msg: JointState) -> None:
        self.record("/joint_states", msg)
        q = conv.arm_positions_from_joint_state(msg)
        if q is not None:
            self.inputs["joints"].set(q)

    def on_input(self, name: str, msg) -> None:
        topic = {
            "value": "/uniintervene/critic/value",
            "risk": "/uniintervene/critic/risk",
            "task": "/uniintervene/sim/task_state",
        }[name]
        self.record(topic, msg)
        self.inputs[name].set(msg)

    def on_image(self, raw: bytes) -> None:
        self.record("/camera/camera/color/image_raw", None, raw)

    def on_program(self, msg: Bool) -> None:
        self.program_running = bool(msg.data)

    def watch_safety_mode(self, group) -> None:
        try:
            from ur_dashboard_msgs.msg import SafetyMode
        except ImportError:
            return  # not on this machine: only robot_program_running is watched

        def on_safety(msg):
            self.safety_normal = msg.mode == SafetyMode.NORMAL

        self.create_subscription(
            SafetyMode,
            "/io_and_status_controller/safety_mode",
            on_safety,
            LATCHED,
            callback_group=group,
        )

    def switch_servo_to_twist(self) -> None:
        try:
            from moveit_msgs.srv import ServoCommandType
        except ImportError:
            self.get_logger().error("servo_switch_to_twist is set but moveit_msgs is missing")
            return
        client = self.create_client(ServoCommandType, "/servo_node/switch_command_type")
        if client.wait_for_service(timeout_sec=5.0):
            client.call_async(ServoCommandType.Request(command_type=ServoCommandType.Request.TWIST))
        else:
            self.get_logger().error("MoveIt Servo's switch_command_type service is not up")

    def on_hold(self, request, response):
        self.operator_hold = True
        response.success, response.message = True, "holding until resume"
        return response

    def on_resume(self, request, response):
        self.operator_hold = False
        response.success, response.message = True, "resumed"
        return response

    # -- the control tick -----------------------------------------------------------------
    def robot_fault(self) -> str:
        if self.inputs["joints"].age() > self.p.joint_state_timeout:
            return "joint states stale or missing"
        if self.p.require_robot_program and self.program_running is not True:
            return "robot program not running"
        if not self.safety_normal:
            return "robot safety mode not NORMAL"
        return ""

    def tick(self) -> None:
        with self.lock:
            episode = self.episode
            engaged = self.inputs["engaged"]
            human = bool(engaged.value) and engaged.age() <= self.p.human_timeout
            risk = self.inputs["risk"].value
            fresh = (
                self.inputs["risk"].age() <= self.p.critic_timeout
                and self.inputs["value"].age() <= self.p.critic_timeout
                and self.inputs["value"].value is not None
                and self.inputs["value"].value.valid
            )
            supervision = "operator hold" if self.operator_hold else ""
            if self.arbiter.tick < self.lost_recovery_until:
                supervision = "recovery server lost"
            if episode is None:  # between episodes only the human may drive
                self.idle_tick(human)
                return
            recovering = self.arbiter.recovery_active
            if (
                recovering
                and self.inputs["recovery"].age() > self.p.recovery_timeout
                and self.arbiter.tick - self.recovery_started_tick > self.p.recovery_grace_ticks
            ):
                self.recovery_lost("recovery commands stopped")
                supervision = "recovery server lost"
            decision = self.arbiter.step(
                TickInputs(
                    human_engaged=human,
                    risk_trigger=bool(risk and risk.trigger and fresh),
                    risk_reason=risk.reason if risk else "",
                    critic_fresh=fresh,
                    robot_fault=self.robot_fault(),
                    supervision_fault=supervision,
                )
            )
            for event in decision.events:
                self.event(EVENT_KINDS[event], decision.reason if event == "trigger" else event)
            if decision.cancel_recovery:
                self.cancel_recovery()
            if decision.start_recovery:
                self.start_recovery(decision.start_recovery)
            mode, reason = decision.mode, decision.reason
            source = {Mode.POLICY: "policy", Mode.HUMAN: "human", Mode.RECOVERY: "recovery"}.get(
                mode
            )
            result = self.filtered(source)
            if (
                source
                and result.held
                and set(result.violations)
                & {"missing_command", "stale_command", "non_finite_command", "stale_joint_states"}
            ):
                reason = f"{source}: {result.violations[0]}"
                self.arbiter.counts[mode] -= 1  # attribute the held tick to HOLD
                self.arbiter.counts[Mode.HOLD] += 1
                mode = Mode.HOLD
            self.publish_command(result.command, mode)
            self.publish_mode(mode, reason, self.arbiter.tick)
            episode.on_tick(self, mode)

    def filtered(self, source):
        if source is None:
            return self.safety.hold("hold")
        joints = self.inputs["joints"]
        tcp = tcp_position(joints.value, self.p.tool_offset) if joints.value is not None else None
        latest = self.inputs[source]
        return self.safety.apply(latest.value, latest.age(), joints.age(), tcp)

    def idle_tick(self, human: bool) -> None:
        fault = self.robot_fault()
        if human and not fault:
            result = self.filtered("human")
            self.publish_command(result.command, Mode.HUMAN)
            self.publish_mode(Mode.HUMAN, "human engaged (no episode)", 0)
        else:
            self.publish_mode(Mode.HOLD, fault or "idle: no episode", 0)

    def publish_command(self, command: np.ndarray, mode: Mode) -> None:
        stamp = self.get_clock().now().to_msg()
        twist = TwistStamped()
        twist.header.stamp, twist.header.frame_id = stamp, self.p.base_frame
        t = twist.twist
        t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z = (
            float(v) for v in command[:6]
        )
        self.servo_pub.publish(twist)
        if np.isfinite(command[6]):  # NaN: no gripper command known yet, leave it alone
            self.gripper_pub.publish(Float64(data=float(command[6])))
        executed = ActionCommand(source=int(mode), twist=twist.twist, gripper=float(command[6]))
        executed.header = twist.header
        self.command_pub.publish(executed)
        self.record("/uniintervene/command", executed)

    def publish_mode(self, mode: Mode, reason: str, tick: int) -> None:
        counts = self.arbiter.counts
        msg = ControlMode(
            mode=int(mode),
            reason=reason,
            episode_tick=tick,
            policy_ticks=counts[Mode.POLICY],
            recovery_ticks=counts[Mode.RECOVERY],
            human_ticks=counts[Mode.HUMAN],
            hold_ticks=counts[Mode.HOLD],
        )
        msg.header.stamp = self.get_clock().now().to_msg()
        self.mode_pub.publish(msg)
        self.record("/uniintervene/control_mode", msg)
        self.last_mode = msg
        self.publish_status_marker(mode, msg.header.stamp)

    def publish_status_marker(self, mode: Mode, stamp) -> None:
        """RViz text above the gripper: mode, value, risk (coloured by mode)."""
        value, risk = self.inputs["value"].value, self.inputs["risk"].value
        text, colour = status_label(
            mode, value.value if value and value.valid else None, risk.risk if risk else None
        )
        marker = Marker(ns="uniintervene", id=0, type=Marker.TEXT_VIEW_FACING, text=text)
        marker.header.stamp, marker.header.frame_id = stamp, self.p.base_frame
        joints = self.inputs["joints"].value
        tcp = tcp_position(joints, self.p.tool_offset) if joints is not None else np.zeros(3)
        marker.pose.position.x, marker.pose.position.y = float(tcp[0]), float(tcp[1])
        marker.pose.position.z = float(tcp[2]) + 0.15
        marker.pose.orientation.w = 1.0
        marker.scale.z = 0.05  # text height, m
        marker.color.r, marker.color.g, marker.color.b, marker.color.a = colour
        self.marker_pub.publish(marker)

    def event(self, kind: int, detail: str) -> None:
        value = self.inputs["value"].value
        risk = self.inputs["risk"].value
        msg = InterventionEvent(
            kind=kind,
            detail=detail,
            value=float(value.value) if value else float("nan"),
            risk=float(risk.risk) if risk else float("nan"),
        )
        msg.header.stamp = self.get_clock().now().to_msg()
        self.event_pub.publish(msg)
        self.record("/uniintervene/events", msg)

    # -- recovery client ------------------------------------------------------------------
    def start_recovery(self, reason: str) -> None:
        if not self.recover_client.server_is_ready():
            self.event(InterventionEvent.RECOVERY_FAILED, "recovery server not available")
            self.arbiter.recovery_ended()
            return
        value = self.inputs["value"].value
        goal = Recover.Goal(
            reason=reason,
            max_ticks=self.p.recovery_max_ticks,
            trigger_value=float(value.value) if value else float("nan"),
        )
        future = self.recover_client.send_goal_async(goal)
        future.add_done_callback(self.on_recovery_accepted)

    def on_recovery_accepted(self, future) -> None:
        with self.lock:
            handle = future.result()
            if not self.arbiter.recovery_requested:  # cancelled (human) before acceptance
                if handle.accepted:
                    handle.cancel_goal_async()
                return
            if not handle.accepted:
                self.arbiter.recovery_ended()
                self.event(InterventionEvent.RECOVERY_FAILED, "goal rejected")
                return
            self.recovery_handle = handle
            self.recovery_started_tick = self.arbiter.tick
            self.arbiter.recovery_started()
            self.event(InterventionEvent.RECOVERY_STARTED, "recovering")
            handle.get_result_async().add_done_callback(
                lambda f, h=handle: self.on_recovery_result(h, f)
            )

    def on_recovery_result(self, handle, future) -> None:
        with self.lock:
            if handle is not self.recovery_handle:
                return  # already cancelled or declared lost
            self.recovery_handle = None
            self.arbiter.recovery_ended()
            # Succeeded/failed events come from the recovery node itself.

    def cancel_recovery(self) -> None:
        handle, self.recovery_handle = self.recovery_handle, None
        if handle is not None:
            handle.cancel_goal_async()

    def recovery_lost(self, why: str) -> None:
        self.cancel_recovery()
        self.arbiter.recovery_ended()
        self.lost_recovery_until = self.arbiter.tick + self.p.cooldown_ticks
        self.event(InterventionEvent.FAULT, f"recovery server lost: {why}")

    # -- episodes -------------------------------------------------------------------------
    def on_goal(self, goal) -> GoalResponse:
        with self.lock:
            return GoalResponse.REJECT if self.episode is not None else GoalResponse.ACCEPT

    async def sleep(self, seconds: float) -> None:
        """Wait without blocking the (single-threaded) executor."""
        done = Future()
        timer = self.create_timer(seconds, lambda: done.done() or done.set_result(True))
        await done
        self.destroy_timer(timer)

    async def wait_for_new_task(self, task: str, seed: int) -> None:
        """After a reset, wait for the simulator's new state, then forget every command
        produced before it (a policy still planning the old task would, e.g., open the
        gripper on the new task's part)."""
        reset_at = time.monotonic()
        while time.monotonic() - reset_at < self.p.reset_wait:
            latest = self.inputs["task"]
            if latest.at > reset_at and latest.value.task == task and latest.value.seed == seed:
                break
            await self.sleep(0.05)
        await self.sleep(self.p.control_period)  # sources answer the new state
        with self.lock:
            for source in ("policy", "human", "recovery"):
                if self.inputs[source].at < reset_at + self.p.control_period:
                    self.inputs[source] = Latest()

    async def execute(self, handle):
        from uniintervene_supervisor.episode import Episode

        goal = handle.request
        seed = self.p.seed_base + self.episode_count
        self.episode_count += 1
        if goal.task and self.reset_client is not None:
            waited = 0.0
            while not self.reset_client.service_is_ready() and waited < self.p.reset_wait:
                await self.sleep(0.1)
                waited += 0.1
            if self.reset_client.service_is_ready():
                reply = await self.reset_client.call_async(
                    ResetTask.Request(task=goal.task, seed=seed)
                )
                if not reply.success:
                    handle.abort()
                    return Arbitrate.Result(outcome="fault", recording=reply.message)
                await self.wait_for_new_task(goal.task, seed)
        path = ""
        with self.lock:
            self.arbiter = Arbiter(arbiter_config(self.p, goal.autonomous_intervention))
            self.safety.reset()
            if self.p.record:
                name = f"{time.strftime('%Y%m%d-%H%M%S')}_{goal.task or 'task'}_{seed}.mcap"
                path = str(pathlib.Path(self.p.recording_dir) / name)
                self.recorder = EpisodeRecorder(path)
            self.episode = Episode(
                handle, goal.max_ticks or self.p.default_max_ticks, self.p.fault_abort_ticks
            )
        await self.episode.finished
        with self.lock:
            episode, self.episode = self.episode, None
            self.cancel_recovery()
            # recorded before closing: the outcome is the episode's label in the bag
            self.publish_mode(Mode.HOLD, f"episode ended: {episode.outcome}", self.arbiter.tick)
            if self.recorder is not None:
                self.recorder.close()
                self.recorder = None
            return episode.finish(handle, self.arbiter, path)

    def publish_diagnostics(self) -> None:
        status = DiagnosticStatus(
            name="uniintervene_supervisor: supervisor_node", hardware_id="supervisor"
        )
        fault = self.robot_fault()
        rejected = sum(self.rejected.values())
        status.level = DiagnosticStatus.WARN if fault or rejected else DiagnosticStatus.OK
        status.message = fault or ("in episode" if self.episode else "idle")
        mode = self.last_mode
        status.values = [
            KeyValue(key=k, value=str(v))
            for k, v in (
                ("mode", Mode(mode.mode).name if mode else "HOLD"),
                ("rejected_commands", rejected),
                *((f"rejected_{s}_commands", n) for s, n in self.rejected.items()),
                ("operator_hold", self.operator_hold),
                ("robot_program_running", self.program_running),
                ("episodes", self.episode_count),
            )
        ]
        array = DiagnosticArray(status=[status])
        array.header.stamp = self.get_clock().now().to_msg()
        self.diag_pub.publish(array)


def close_recording(node: SupervisorNode) -> None:
    with node.lock:
        if node.recorder is not None:
            node.recorder.close()  # a clean Ctrl-C keeps the whole episode


def main(args=None) -> int:
    # One thread: the control tick, inputs and the episode coroutine never race, and
    # rclpy's single-threaded executor keeps up with bursts of commands.
    return run(SupervisorNode, args, SingleThreadedExecutor, close_recording)


if __name__ == "__main__":
    sys.exit(main())
