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
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.executors import SingleThreadedExecutor
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Bool
from std_srvs.srv import Trigger

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, run
from uniintervene_common.params import declare_parameters
from uniintervene_msgs.msg import (
    ActionCommand,
    InterventionEvent,
    Latent,
    RiskState,
    TaskState,
    ValueEstimate,
)
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.command_path import ControllerWatch, ServoHalt
from uniintervene_supervisor.core import SupervisorConfig, SupervisorCore, SupervisorInputs
from uniintervene_supervisor.nodes.arbitrate_episodes import ArbitrateEpisodes, Latest
from uniintervene_supervisor.nodes.episode_recording import EpisodeRecording
from uniintervene_supervisor.nodes.learner_stream import LearnerStream
from uniintervene_supervisor.nodes.recovery_goals import RecoveryGoals
from uniintervene_supervisor.nodes.robot_state import (
    watch_command_controller,
    watch_safety_mode,
    watch_servo_command_type,
    watch_servo_status,
)
from uniintervene_supervisor.nodes.supervisor_outputs import SupervisorOutputs
from uniintervene_supervisor.schema import SUPERVISOR_NODE
from uniintervene_supervisor.servo_switch import CommandTypeSwitch
from uniintervene_supervisor.tracking import TwistTracker

EVENT_KINDS = {
    "trigger": InterventionEvent.TRIGGER,
    "human_takeover": InterventionEvent.HUMAN_TAKEOVER,
    "human_release": InterventionEvent.HUMAN_RELEASE,
    "fault": InterventionEvent.FAULT,
}
RECORDED = {  # topic -> type recorded with each episode
    topics.IMAGE: "sensor_msgs/msg/Image",
    topics.SCENE_IMAGE: "sensor_msgs/msg/Image",  # where the cell has a scene camera
    topics.JOINT_STATES: "sensor_msgs/msg/JointState",
    **{topic: "uniintervene_msgs/msg/ActionCommand" for topic in topics.COMMAND.values()},
    topics.HUMAN_ENGAGED: "std_msgs/msg/Bool",
    topics.EXECUTED: "uniintervene_msgs/msg/ActionCommand",
    topics.MEASURED_TWIST: "geometry_msgs/msg/TwistStamped",
    topics.VALUE: "uniintervene_msgs/msg/ValueEstimate",
    topics.RISK: "uniintervene_msgs/msg/RiskState",
    topics.CONTROL_MODE: "uniintervene_msgs/msg/ControlMode",
    topics.EVENTS: "uniintervene_msgs/msg/InterventionEvent",
    topics.TASK_STATE: "uniintervene_msgs/msg/TaskState",
}


class SupervisorNode(GuardedNode):
    """Holds the state between callbacks and its helpers: `outputs` (what it publishes),
    `episodes` (the Arbitrate server), `recovery` (Recover goals), `learner` (transitions)
    and `recording` (the episode's MCAP)."""

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
        self._init_state()

        group = ReentrantCallbackGroup()
        self.outputs = SupervisorOutputs(self)
        self.recording = EpisodeRecording(self, RECORDED)
        self.learner = LearnerStream(self)
        self._subscribe(group)
        self._serve(group)
        self.outputs.publish_mode(Mode.HOLD, "idle", 0)
        self.get_logger().info(f"ready: {topics.ARBITRATE} takes episodes; holding until one")

    def _init_state(self) -> None:
        """What the node tracks between callbacks (inputs, watches, counts)."""
        self.marked_success = False  # the operator's success button, this episode
        self.proprio = None
        self.program_running = None
        self.safety_normal = True
        self.servo_switch = CommandTypeSwitch() if self.p.servo_switch_to_twist else None
        self.controller_watch = (
            ControllerWatch(self.p.command_controller, self.p.activate_command_controller)
            if self.p.watch_command_controller
            else None
        )
        self.servo_halt = ServoHalt(self.p.servo_halt_hold) if self.p.watch_servo_status else None
        self.tracker = TwistTracker(self.p.tool_offset, self.p.tracking_tolerance)
        self.operator_hold = False
        self.rejected = {source: 0 for source in topics.COMMAND}
        self.rejected_inputs = {"joint_states": 0, "latents": 0}
        self.episode = None  # the running Arbitrate episode (ArbitrateEpisodes sets it)
        self.episode_count = 0
        self.last_decision = None
        self.last_problem = ""

    def _subscribe(self, group) -> None:
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
        subscribe(Image, topics.SCENE_IMAGE, self.on_scene_image, qos.SENSOR, raw=True)

    def _serve(self, group) -> None:
        """Services, the Arbitrate action, the control and diagnostics timers and the
        real cell's watches."""
        self.safety_mode_watched = watch_safety_mode(self, group)
        self.create_service(Trigger, topics.HOLD, self.on_hold)
        self.create_service(Trigger, topics.RESUME, self.on_resume)
        self.create_service(Trigger, topics.MARK_SUCCESS, self.on_mark_success)
        self.recovery = RecoveryGoals(self, group)
        self.episodes = ArbitrateEpisodes(self, group)
        self.create_timer(
            self.p.control_period, self.tick, callback_group=MutuallyExclusiveCallbackGroup()
        )
        self.create_timer(1.0, self.outputs.publish_diagnostics, callback_group=group)
        if self.servo_switch is not None:
            watch_servo_command_type(self, group)
        if self.controller_watch is not None:
            watch_command_controller(self, group)
        if self.servo_halt is not None:
            watch_servo_status(self, group)

    def on_callback_fault(self, name: str, error: Exception) -> None:
        """A guarded callback failed (GuardedNode): a failed tick stops the arm first."""
        if name == "tick":
            self.outputs.stop_twist(np.zeros(7))
        self.on_fault(name, error)

    def on_fault(self, name: str, error: Exception) -> None:
        """A callback failed and supervision goes on: say so (event, result, diagnostics)."""
        problem = f"{name} failed: {type(error).__name__}: {error}"
        self.last_problem = problem
        with self.lock:
            if self.episode is not None:
                self.episode.note_problem(problem)
        self.outputs.event(EVENT_KINDS["fault"], problem)

    def count_fault(self, name: str, error: Exception) -> None:
        """A fault caught here (not by a guarded callback, which counts its own)."""
        self.callback_faults[name] = self.callback_faults.get(name, 0) + 1
        self.get_logger().error(f"{name} failed: {error}", throttle_duration_sec=2.0)
        self.on_fault(name, error)

    def on_parameters(self, names) -> None:
        with self.lock:
            self.core.configure(SupervisorConfig.from_params(self.p))
            if self.servo_halt is not None:
                self.servo_halt.hold_seconds = self.p.servo_halt_hold
            self.tracker.tolerance = self.p.tracking_tolerance

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
            self.outputs.publish_motion(result.command)
            last_mode = self.outputs.last_mode
            if last_mode is None or last_mode.mode != Mode.HUMAN:
                self.outputs.publish_mode(Mode.HUMAN, "human takeover", self.core.tick)

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

    def on_scene_image(self, raw: bytes) -> None:
        self.record(topics.SCENE_IMAGE, None, raw)

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
            controller_fault=self.controller_watch.fault if self.controller_watch else "",
            servo_halt=self.servo_halt.fault(now) if self.servo_halt else "",
            operator_hold=self.operator_hold,
            task_success=bool(fresh_task and task.success) or classified or self.marked_success,
            task_failure=bool(fresh_task and task.failure),
            cancel_requested=bool(episode and episode.handle.is_cancel_requested),
            since_output=now - self.outputs.output_at,
        )

    def tick(self) -> None:
        out = self.outputs
        with self.lock:
            inputs = self.gather_inputs()
            episode = self.episode
            if episode is None:
                decision = self.core.idle_step(inputs)
                if decision.mode == Mode.HUMAN:
                    out.publish_command(decision.command, decision.mode)
                else:  # a zero twist: Servo would run the last one until its timeout
                    out.stop_twist(decision.command)
                out.publish_mode(decision.mode, decision.reason, 0)
                self.last_decision = decision
                return
            decision = self.core.step(inputs)
            self.last_decision = decision
            measured = self.measure(inputs, decision.command)
            if decision.cancel_recovery:
                self.recovery.cancel()
            if not decision.ran:  # the episode ended before this tick: stop the arm now
                out.stop_twist(decision.command)
                self.learner.end(inputs.task_success, inputs.task_failure, measured)
                episode.end(decision.outcome)
                return
            self.learner.tick(decision, measured)
            for kind, detail in decision.events:
                out.event(EVENT_KINDS[kind], detail)
                if detail.startswith("HOLD: ") and detail != "HOLD: operator hold":
                    episode.note_problem(detail)  # said in the result
            if decision.start_recovery:
                self.start_recovery(decision.start_recovery)
            out.publish_command(decision.command, decision.mode)
            out.publish_mode(decision.mode, decision.reason, self.core.tick)
            out.publish_feedback(episode)
            if decision.outcome:
                episode.end(decision.outcome)

    def measure(self, inputs: SupervisorInputs, command) -> np.ndarray | None:
        """The TCP twist the arm made since the last tick (published and recorded beside
        the command); `command` is this tick's, compared at the next."""
        joints_at = self.now() - inputs.joints_age
        measured = self.tracker.tick(inputs.joints, joints_at, command)
        if measured is not None:
            self.outputs.publish_measured(measured)
        return measured

    def start_recovery(self, reason: str) -> None:
        value = self.inputs["value"].value
        trigger_value = float(value.value) if value else float("nan")
        self.recovery.start(reason, trigger_value, self.episode.task if self.episode else "")


def close_recording(node: SupervisorNode) -> None:
    with node.lock:
        node.recording.close()  # a clean Ctrl-C keeps the whole episode


def main(args=None) -> int:
    # One thread: the control tick, inputs and the episode coroutine never race, and
    # rclpy's single-threaded executor keeps up with bursts of commands.
    return run(SupervisorNode, args, SingleThreadedExecutor, close_recording)


if __name__ == "__main__":
    sys.exit(main())
