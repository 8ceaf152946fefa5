"""supervisor_node: the only node that commands the robot.

Hosts the Arbitrate action (uniintervene/arbitrate: one goal = one supervised episode).
Every control tick it gathers the newest inputs into a `SupervisorInputs`, asks the pure
`SupervisorCore` for the tick's decision (arbitration, safety filter, episode end) and
carries it out: the safe twist to MoveIt Servo (servo_node/delta_twist_cmds) and the
gripper, the executed uniintervene/command, control_mode (transient local), events, the
RViz status marker, the Recover goals it asks for and one learner transition per tick
(uniintervene/transitions). It watches the UR driver's
robot_program_running (and safety_mode where ur_dashboard_msgs exists), offers hold,
resume and success services, records each episode to MCAP and reports on /diagnostics.
"""

import sys
import threading
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import TwistStamped
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.executors import SingleThreadedExecutor
from rclpy.task import Future
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Bool, Float64
from std_srvs.srv import Trigger
from visualization_msgs.msg import Marker

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.kinematics import tcp_pose, twist_at_flange
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters
from uniintervene_msgs.action import Arbitrate
from uniintervene_msgs.msg import (
    ActionCommand,
    ControlMode,
    InterventionEvent,
    Latent,
    RiskState,
    TaskState,
    ValueEstimate,
)
from uniintervene_msgs.srv import ResetTask
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.core import SupervisorConfig, SupervisorCore, SupervisorInputs
from uniintervene_supervisor.episode import Episode
from uniintervene_supervisor.nodes.episode_recording import EpisodeRecording
from uniintervene_supervisor.nodes.learner_stream import LearnerStream
from uniintervene_supervisor.nodes.recovery_goals import RecoveryGoals
from uniintervene_supervisor.nodes.robot_state import (
    status_marker,
    watch_safety_mode,
    watch_servo_command_type,
)
from uniintervene_supervisor.schema import SUPERVISOR_NODE
from uniintervene_supervisor.servo_switch import CommandTypeSwitch

EVENT_KINDS = {
    "trigger": InterventionEvent.TRIGGER,
    "human_takeover": InterventionEvent.HUMAN_TAKEOVER,
    "human_release": InterventionEvent.HUMAN_RELEASE,
    "fault": InterventionEvent.FAULT,
}
RECORDED = {  # topic -> type recorded with each episode
    topics.IMAGE: "sensor_msgs/msg/Image",
    topics.JOINT_STATES: "sensor_msgs/msg/JointState",
    **{topic: "uniintervene_msgs/msg/ActionCommand" for topic in topics.COMMAND.values()},
    topics.HUMAN_ENGAGED: "std_msgs/msg/Bool",
    topics.EXECUTED: "uniintervene_msgs/msg/ActionCommand",
    topics.VALUE: "uniintervene_msgs/msg/ValueEstimate",
    topics.RISK: "uniintervene_msgs/msg/RiskState",
    topics.CONTROL_MODE: "uniintervene_msgs/msg/ControlMode",
    topics.EVENTS: "uniintervene_msgs/msg/InterventionEvent",
    topics.TASK_STATE: "uniintervene_msgs/msg/TaskState",
}


class Latest:
    """The newest value of one input and when it arrived (the node's clock, seconds)."""

    def __init__(self):
        self.value, self.at = None, -np.inf

    def set(self, value, at: float) -> None:
        self.value, self.at = value, at


class SupervisorNode(GuardedNode):
    def __init__(self):
        super().__init__("supervisor_node")
        self.p = declare_parameters(self, SUPERVISOR_NODE, on_change=self.on_parameters)
        self.core = SupervisorCore(SupervisorConfig.from_params(self.p))
        self.now = time.monotonic  # the clock of input ages (replaceable in replay tests)
        self.lock = threading.RLock()
        self.inputs = {name: Latest() for name in (*topics.COMMAND, "engaged", "joints")}
        self.inputs.update(
            {name: Latest() for name in ("value", "risk", "task", "latent", "success")}
        )
        self.marked_success = False  # the operator's success button, this episode
        self.proprio = None
        self.program_running = None
        self.safety_normal = True
        self.servo_switch = CommandTypeSwitch() if self.p.servo_switch_to_twist else None
        self.operator_hold = False
        self.rejected = {source: 0 for source in topics.COMMAND}
        self.rejected_inputs = {"joint_states": 0, "latents": 0}
        self.episode = None
        self.episode_count = 0
        self.last_mode = None
        self.last_decision = None
        self.faults_reported, self.last_problem = 0, ""
        self.output_at = -np.inf  # when a twist last went to the robot (acceleration limit)

        group = ReentrantCallbackGroup()
        self.servo_pub = self.create_publisher(TwistStamped, topics.SERVO_TWIST, qos.COMMANDS)
        self.gripper_pub = self.create_publisher(Float64, topics.GRIPPER, qos.COMMANDS)
        self.command_pub = self.create_publisher(ActionCommand, topics.EXECUTED, qos.COMMANDS)
        self.mode_pub = self.create_publisher(ControlMode, topics.CONTROL_MODE, qos.LATCHED)
        self.event_pub = self.create_publisher(InterventionEvent, topics.EVENTS, 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.marker_pub = self.create_publisher(Marker, topics.STATUS_MARKER, 10)
        self.recording = EpisodeRecording(self, RECORDED)
        self.learner = LearnerStream(self)

        def subscribe(msg_type, topic, callback, profile=qos.COMMAND_INPUTS, **kwargs):
            self.create_subscription(
                msg_type, topic, callback, profile, callback_group=group, **kwargs
            )

        for source, topic in topics.COMMAND.items():
            subscribe(ActionCommand, topic, lambda msg, s=source: self.on_command(s, msg))
        subscribe(Bool, topics.HUMAN_ENGAGED, self.on_engaged)
        subscribe(JointState, topics.JOINT_STATES, self.on_joints)
        subscribe(ValueEstimate, topics.VALUE, lambda m: self.on_input("value", topics.VALUE, m))
        subscribe(RiskState, topics.RISK, lambda m: self.on_input("risk", topics.RISK, m))
        subscribe(
            TaskState, topics.TASK_STATE, lambda m: self.on_input("task", topics.TASK_STATE, m)
        )
        subscribe(Latent, topics.LATENT, self.on_latent)
        subscribe(Bool, topics.SUCCESS, lambda m: self.inputs["success"].set(m.data, self.now()))
        subscribe(Bool, topics.PROGRAM_RUNNING, self.on_program, qos.LATCHED)
        subscribe(Image, topics.IMAGE, self.on_image, qos.SENSOR, raw=True)
        watch_safety_mode(self, group)
        self.create_service(Trigger, topics.HOLD, self.on_hold)
        self.create_service(Trigger, topics.RESUME, self.on_resume)
        self.create_service(Trigger, topics.MARK_SUCCESS, self.on_mark_success)
        self.reset_client = None
        if self.p.reset_service:
            self.reset_client = self.create_client(
                ResetTask, self.p.reset_service, callback_group=group
            )
        self.recovery = RecoveryGoals(self, group)
        self.server = ActionServer(
            self,
            Arbitrate,
            topics.ARBITRATE,
            execute_callback=self.execute,
            goal_callback=self.on_goal,
            cancel_callback=lambda h: CancelResponse.ACCEPT,
            callback_group=group,
        )
        self.create_timer(
            self.p.control_period, self.tick, callback_group=MutuallyExclusiveCallbackGroup()
        )
        self.create_timer(1.0, self.publish_diagnostics, callback_group=group)
        if self.servo_switch is not None:
            watch_servo_command_type(self, group)
        self.publish_mode(Mode.HOLD, "idle", 0)

    def on_callback_fault(self, name: str, error: Exception) -> None:
        """A guarded callback failed (GuardedNode): a failed tick stops the arm first."""
        if name == "tick":
            self.servo_pub.publish(self.twist_msg(np.zeros(7)))
        self.on_fault(name, error)

    def on_fault(self, name: str, error: Exception) -> None:
        """A callback failed and supervision goes on: say so (event, result, diagnostics)."""
        problem = f"{name} failed: {type(error).__name__}: {error}"
        self.last_problem = problem
        with self.lock:
            if self.episode is not None and problem not in self.episode.problems:
                self.episode.problems.append(problem)
        self.event(EVENT_KINDS["fault"], problem)

    def count_fault(self, name: str, error: Exception) -> None:
        """A fault caught here (not by a guarded callback, which counts its own)."""
        self.callback_faults[name] = self.callback_faults.get(name, 0) + 1
        self.get_logger().error(f"{name} failed: {error}", throttle_duration_sec=2.0)
        self.on_fault(name, error)

    def on_parameters(self, names) -> None:
        with self.lock:
            self.core.configure(SupervisorConfig.from_params(self.p))

    # -- inputs ---------------------------------------------------------------------------
    def record(self, topic: str, msg, raw: bytes | None = None) -> None:
        with self.lock:
            self.recording.write(topic, msg, raw)

    def on_command(self, source: str, msg: ActionCommand) -> None:
        self.record(topics.COMMAND[source], msg)
        command = conv.command_array(msg)
        if not np.all(np.isfinite(command)):
            self.rejected[source] += 1
            self.get_logger().warn(
                f"rejected non-finite {source} command", throttle_duration_sec=2.0
            )
        self.inputs[source].set(command, self.now())  # a bad latest command makes it HOLD
        if source == "human":
            self.act_on_human()

    def on_engaged(self, msg: Bool) -> None:
        self.record(topics.HUMAN_ENGAGED, msg)
        self.inputs["engaged"].set(bool(msg.data), self.now())
        self.act_on_human()

    def act_on_human(self) -> None:
        """An engaged human's command goes to the robot at once, at the device's rate, not
        at the next tick (ticks are still counted, and the executed command published,
        at the tick)."""
        with self.lock:
            result = self.core.takeover(self.gather_inputs())
            if result is None:
                return
            self.servo_pub.publish(self.twist_msg(result.command))
            self.output_at = self.now()
            if np.isfinite(result.command[6]):
                self.gripper_pub.publish(Float64(data=float(result.command[6])))
            if self.last_mode is None or self.last_mode.mode != Mode.HUMAN:
                self.publish_mode(Mode.HUMAN, "human takeover", self.core.tick)

    def on_joints(self, msg: JointState) -> None:
        self.record(topics.JOINT_STATES, msg)
        gripper = self.proprio[6] if self.proprio is not None else 0.0
        proprio = conv.proprio_from_joint_state(msg, self.p.gripper_open_width, gripper)
        if proprio is None:  # a joint missing or not finite: it goes stale, then HOLD
            self.rejected_inputs["joint_states"] += 1
            return
        self.proprio = proprio
        self.inputs["joints"].set(proprio[:6].astype(float), self.now())

    def on_latent(self, msg: Latent) -> None:
        latent = np.asarray(msg.data, np.float32)
        if latent.size == 0 or not np.all(np.isfinite(latent)):
            self.rejected_inputs["latents"] += 1
            return  # no transition around it
        self.inputs["latent"].set(msg, self.now())

    def on_input(self, name: str, topic: str, msg) -> None:
        self.record(topic, msg)
        self.inputs[name].set(msg, self.now())

    def on_image(self, raw: bytes) -> None:
        self.record(topics.IMAGE, None, raw)

    def on_program(self, msg: Bool) -> None:
        self.program_running = bool(msg.data)

    def on_hold(self, request, response):
        self.operator_hold = True
        response.success, response.message = True, "holding until resume"
        return response

    def on_mark_success(self, request, response):
        """The operator says the task succeeded: the episode ends in success (the reward
        where no classifier runs)."""
        with self.lock:
            response.success = self.episode is not None
            self.marked_success = response.success
        response.message = "episode ends in success" if response.success else "no episode"
        return response

    def on_resume(self, request, response):
        self.operator_hold = False
        response.success, response.message = True, "resumed"
        return response

    # -- the control tick -----------------------------------------------------------------
    def gather_inputs(self) -> SupervisorInputs:
        """The newest inputs, with their ages now (the core decides on nothing else)."""
        now, i = self.now(), self.inputs
        value, risk, task = i["value"].value, i["risk"].value, i["task"].value
        episode = self.episode
        fresh_task = task is not None and episode is not None and i["task"].at > episode.started_at
        classified = (
            episode is not None
            and bool(i["success"].value)
            and i["success"].at > episode.started_at
            and now - i["success"].at <= self.p.critic_timeout
        )
        return SupervisorInputs(
            commands={s: (i[s].value, now - i[s].at) for s in topics.COMMAND},
            human_engaged=bool(i["engaged"].value),
            engaged_age=now - i["engaged"].at,
            joints=i["joints"].value,
            joints_age=now - i["joints"].at,
            risk_trigger=bool(risk and risk.trigger),
            risk_reason=risk.reason if risk else "",
            critic_age=now - min(i["value"].at, i["risk"].at),
            critic_valid=bool(value is not None and value.valid),
            robot_program_running=self.program_running,
            safety_normal=self.safety_normal,
            servo_ready=self.servo_switch is None or self.servo_switch.switched,
            operator_hold=self.operator_hold,
            task_success=bool(fresh_task and task.success) or classified or self.marked_success,
            task_failure=bool(fresh_task and task.failure),
            cancel_requested=bool(episode and episode.handle.is_cancel_requested),
            since_output=self.now() - self.output_at,
        )

    def tick(self) -> None:
        with self.lock:
            inputs = self.gather_inputs()
            episode = self.episode
            if episode is None:
                decision = self.core.idle_step(inputs)
                if decision.mode == Mode.HUMAN:
                    self.publish_command(decision.command, decision.mode)
                else:  # a zero twist: Servo would run the last one until its timeout
                    self.servo_pub.publish(self.twist_msg(decision.command))
                self.publish_mode(decision.mode, decision.reason, 0)
                self.last_decision = decision
                return
            decision = self.core.step(inputs)
            self.last_decision = decision
            if decision.cancel_recovery:
                self.cancel_recovery()
            if not decision.ran:  # the episode ended before this tick: stop the arm now
                self.servo_pub.publish(self.twist_msg(decision.command))
                self.learner.end(inputs.task_success, inputs.task_failure)
                episode.end(decision.outcome)
                return
            self.learner.tick(decision)
            for kind, detail in decision.events:
                self.event(EVENT_KINDS[kind], detail)
            if decision.start_recovery:
                self.start_recovery(decision.start_recovery)
            self.publish_command(decision.command, decision.mode)
            self.publish_mode(decision.mode, decision.reason, self.core.tick)
            self.publish_feedback(episode)
            if decision.outcome:
                episode.end(decision.outcome)

    def publish_feedback(self, episode: Episode) -> None:
        value, risk = self.inputs["value"].value, self.inputs["risk"].value
        episode.handle.publish_feedback(
            Arbitrate.Feedback(
                mode=self.last_mode,
                value=float(value.value) if value and value.valid else float("nan"),
                risk=float(risk.risk) if risk else float("nan"),
            )
        )

    def tcp_position(self) -> np.ndarray | None:
        joints = self.inputs["joints"].value
        return None if joints is None else tcp_pose(joints, self.p.tool_offset)[:3, 3]

    def twist_msg(self, command: np.ndarray) -> TwistStamped:
        """The twist for the robot: the TCP's, or the same motion at the flange for a
        controller that moves the flange (servo_twist_at_flange)."""
        command = np.asarray(command, float)
        joints = self.inputs["joints"].value
        if self.p.servo_twist_at_flange and joints is not None and np.any(command[3:6]):
            command = np.r_[twist_at_flange(command[:6], joints, self.p.tool_offset), command[6]]
        twist = TwistStamped()
        twist.header.stamp = self.get_clock().now().to_msg()
        twist.header.frame_id = self.p.base_frame
        t = twist.twist
        t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z = (
            float(v) for v in command[:6]
        )
        return twist

    def publish_command(self, command: np.ndarray, mode: Mode) -> None:
        twist = self.twist_msg(command)
        self.servo_pub.publish(twist)
        self.output_at = self.now()
        if np.isfinite(command[6]):  # NaN: no gripper command known yet, leave it alone
            self.gripper_pub.publish(Float64(data=float(command[6])))
        executed = ActionCommand(source=int(mode), gripper=float(command[6]))
        t = executed.twist  # the TCP twist: what the critic and the learner see
        t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z = (
            float(v) for v in command[:6]
        )
        executed.header = twist.header
        self.command_pub.publish(executed)
        self.record(topics.EXECUTED, executed)

    def publish_mode(self, mode: Mode, reason: str, tick: int) -> None:
        counts = self.core.counts
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
        self.record(topics.CONTROL_MODE, msg)
        self.last_mode = msg
        self.publish_status_marker(mode, msg.header.stamp)

    def publish_status_marker(self, mode: Mode, stamp) -> None:
        """RViz text above the gripper: mode, value, risk (coloured by mode)."""
        value, risk = self.inputs["value"].value, self.inputs["risk"].value
        self.marker_pub.publish(
            status_marker(
                mode,
                value.value if value and value.valid else None,
                risk.risk if risk else None,
                self.tcp_position(),
                self.p.base_frame,
                stamp,
            )
        )

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
        self.record(topics.EVENTS, msg)

    def start_recovery(self, reason: str) -> None:
        value = self.inputs["value"].value
        trigger_value = float(value.value) if value else float("nan")
        self.recovery.start(reason, trigger_value, self.episode.task if self.episode else "")

    def cancel_recovery(self) -> None:
        self.recovery.cancel()

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

    async def reset_task(self, task: str, seed: int) -> str:
        """Reset the simulated cell; '' or why it failed. Then wait for the new state and
        forget every command produced before it (a policy still planning the old task
        would, e.g., open the gripper on the new task's part)."""
        waited = 0.0
        while not self.reset_client.service_is_ready() and waited < self.p.reset_wait:
            await self.sleep(0.1)
            waited += 0.1
        if not self.reset_client.service_is_ready():
            return ""  # no simulator: run on whatever the cell holds
        reset_at = self.now()
        reply = await self.reset_client.call_async(ResetTask.Request(task=task, seed=seed))
        if not reply.success:
            return reply.message or "reset failed"
        while self.now() - reset_at < self.p.reset_wait:
            latest = self.inputs["task"]
            if latest.at > reset_at and latest.value.task == task and latest.value.seed == seed:
                break
            await self.sleep(0.05)
        await self.sleep(self.p.control_period)  # sources answer the new state
        with self.lock:
            for source in topics.COMMAND:
                if self.inputs[source].at < reset_at + self.p.control_period:
                    self.inputs[source] = Latest()
        return ""

    def begin_episode(self, handle, goal, seed: int) -> str:
        """From the next tick on, supervise `goal`; returns the recording's path ('')."""
        with self.lock:
            self.core.start_episode(
                goal.autonomous_intervention and self.p.autonomous_intervention,
                goal.max_ticks or self.p.default_max_ticks,
            )
            self.episode = Episode(handle, self.now(), goal.task)
            path = self.recording.open(goal.task, seed)
            self.marked_success = False
            self.learner.start_episode(self.episode_count, goal.task)
        return path

    async def execute(self, handle):
        goal = handle.request
        seed = self.p.seed_base + self.episode_count
        self.episode_count += 1
        if goal.task and self.reset_client is not None:
            problem = await self.reset_task(goal.task, seed)
            if problem:
                handle.abort()
                return Arbitrate.Result(outcome="fault", recording=problem)
        path = self.begin_episode(handle, goal, seed)
        await self.episode.finished
        with self.lock:
            episode, self.episode = self.episode, None
            self.cancel_recovery()
            # recorded before closing: the outcome is the episode's label in the bag
            self.publish_mode(Mode.HOLD, f"episode ended: {episode.outcome}", self.core.tick)
            self.recording.close()
            return episode.finish(self.core.arbiter, path)

    def publish_diagnostics(self) -> None:
        with self.lock:
            fault = self.core.robot_fault(self.gather_inputs())
        rejected = sum(self.rejected.values())
        mode = self.last_mode
        values = {
            "mode": Mode(mode.mode).name if mode else "HOLD",
            "rejected_commands": rejected,
            **{f"rejected_{s}_commands": n for s, n in self.rejected.items()},
            **{f"rejected_{name}": n for name, n in self.rejected_inputs.items()},
            "operator_hold": self.operator_hold,
            "robot_program_running": self.program_running,
            "recovery_server_ready": self.recovery.server_ready(),
            "servo_accepts_twists": "n/a"
            if self.servo_switch is None
            else self.servo_switch.switched,
            "episodes": self.episode_count,
            **{f"faults_{name}": n for name, n in self.callback_faults.items()},
        }
        level = "WARN" if fault or rejected else "OK"
        message = fault or ("in episode" if self.episode else "idle")
        faults = sum(self.callback_faults.values())
        if faults > self.faults_reported:  # new since the last report: an error, once
            level, message = "ERROR", self.last_problem
            self.faults_reported = faults
        self.diag_pub.publish(
            diagnostics(self, "uniintervene_supervisor", level, message, values, "supervisor")
        )


def close_recording(node: SupervisorNode) -> None:
    with node.lock:
        node.recording.close()  # a clean Ctrl-C keeps the whole episode


def main(args=None) -> int:
    # One thread: the control tick, inputs and the episode coroutine never race, and
    # rclpy's single-threaded executor keeps up with bursts of commands.
    return run(SupervisorNode, args, SingleThreadedExecutor, close_recording)


if __name__ == "__main__":
    sys.exit(main())
