"""supervisor_node's outputs: the executed command and twist, the control mode, the RViz
status marker, events, action feedback and diagnostics: a helper object the node holds
(`node.outputs`), owning the publishers and what was last sent."""

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import TwistStamped
from std_msgs.msg import Float64
from visualization_msgs.msg import Marker

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.kinematics import tcp_pose, twist_at_flange
from uniintervene_common.node import diagnostics
from uniintervene_msgs.action import Arbitrate
from uniintervene_msgs.msg import ActionCommand, ControlMode, InterventionEvent
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.episode import Episode
from uniintervene_supervisor.nodes.robot_state import status_marker


class SupervisorOutputs:
    def __init__(self, node):
        """node: the supervisor (its inputs, parameters, clock, core, recording and the
        watches its diagnostics report)."""
        self.node = node
        self.servo_pub = node.create_publisher(TwistStamped, topics.SERVO_TWIST, qos.COMMANDS)
        self.gripper_pub = node.create_publisher(Float64, topics.GRIPPER, qos.COMMANDS)
        self.command_pub = node.create_publisher(ActionCommand, topics.EXECUTED, qos.COMMANDS)
        self.measured_pub = node.create_publisher(TwistStamped, topics.MEASURED_TWIST, 10)
        self.mode_pub = node.create_publisher(ControlMode, topics.CONTROL_MODE, qos.LATCHED)
        self.event_pub = node.create_publisher(InterventionEvent, topics.EVENTS, 10)
        self.diag_pub = node.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.marker_pub = node.create_publisher(Marker, topics.STATUS_MARKER, 10)
        self.last_mode = None  # the ControlMode last published
        self.output_at = -np.inf  # when a twist last went to the robot (acceleration limit)
        self.faults_reported = 0

    def stamp(self):
        return self.node.get_clock().now().to_msg()

    def publish_feedback(self, episode: Episode) -> None:
        value, risk = self.node.inputs["value"].value, self.node.inputs["risk"].value
        episode.handle.publish_feedback(
            Arbitrate.Feedback(
                mode=self.last_mode,
                value=float(value.value) if value and value.valid else float("nan"),
                risk=float(risk.risk) if risk else float("nan"),
            )
        )

    def tcp_position(self) -> np.ndarray | None:
        joints = self.node.inputs["joints"].value
        return None if joints is None else tcp_pose(joints, self.node.p.tool_offset)[:3, 3]

    def twist_msg(self, command: np.ndarray) -> TwistStamped:
        """The twist for the robot: the TCP's, or the same motion at the flange for a
        controller that moves the flange (servo_twist_at_flange)."""
        command = np.asarray(command, float)
        p, joints = self.node.p, self.node.inputs["joints"].value
        if p.servo_twist_at_flange and joints is not None and np.any(command[3:6]):
            command = np.r_[twist_at_flange(command[:6], joints, p.tool_offset), command[6]]
        return conv.twist_stamped_msg(command, self.stamp(), p.base_frame)

    def stop_twist(self, command: np.ndarray) -> None:
        """A twist to Servo that is not an episode's executed command (HOLD, a failed tick)."""
        self.servo_pub.publish(self.twist_msg(command))

    def publish_motion(self, command: np.ndarray) -> TwistStamped:
        """The twist to Servo and the gripper command (NaN: none known yet, leave it)."""
        twist = self.twist_msg(command)
        self.servo_pub.publish(twist)
        self.output_at = self.node.now()
        if np.isfinite(command[6]):
            self.gripper_pub.publish(Float64(data=float(command[6])))
        return twist

    def publish_command(self, command: np.ndarray, mode: Mode) -> None:
        twist = self.publish_motion(command)
        # the TCP twist: what the critic and the learner see
        executed = conv.action_command_msg(command, int(mode), twist.header.stamp)
        executed.header = twist.header
        self.command_pub.publish(executed)
        self.node.record(topics.EXECUTED, executed)

    def publish_measured(self, measured: np.ndarray) -> None:
        msg = conv.twist_stamped_msg(measured, self.stamp(), self.node.p.base_frame)
        self.measured_pub.publish(msg)
        self.node.record(topics.MEASURED_TWIST, msg)

    def publish_mode(self, mode: Mode, reason: str, tick: int) -> None:
        counts = self.node.core.counts
        msg = ControlMode(
            mode=int(mode),
            reason=reason,
            episode_tick=tick,
            policy_ticks=counts[Mode.POLICY],
            recovery_ticks=counts[Mode.RECOVERY],
            human_ticks=counts[Mode.HUMAN],
            hold_ticks=counts[Mode.HOLD],
        )
        msg.header.stamp = self.stamp()
        self.mode_pub.publish(msg)
        self.node.record(topics.CONTROL_MODE, msg)
        self.last_mode = msg
        self.publish_status_marker(mode, msg.header.stamp)

    def publish_status_marker(self, mode: Mode, stamp) -> None:
        """RViz text above the gripper: mode, value, risk (coloured by mode)."""
        value, risk = self.node.inputs["value"].value, self.node.inputs["risk"].value
        self.marker_pub.publish(
            status_marker(
                mode,
                value.value if value and value.valid else None,
                risk.risk if risk else None,
                self.tcp_position(),
                self.node.p.base_frame,
                stamp,
            )
        )

    def event(self, kind: int, detail: str) -> None:
        value, risk = self.node.inputs["value"].value, self.node.inputs["risk"].value
        msg = InterventionEvent(
            kind=kind,
            detail=detail,
            value=float(value.value) if value else float("nan"),
            risk=float(risk.risk) if risk else float("nan"),
        )
        msg.header.stamp = self.stamp()
        self.event_pub.publish(msg)
        self.node.record(topics.EVENTS, msg)

    def publish_diagnostics(self) -> None:
        node = self.node
        with node.lock:
            fault = node.core.robot_fault(node.gather_inputs())
        rejected = sum(node.rejected.values())
        mode, tracker = self.last_mode, node.tracker
        values = {
            "mode": Mode(mode.mode).name if mode else "HOLD",
            "rejected_commands": rejected,
            **{f"rejected_{s}_commands": n for s, n in node.rejected.items()},
            **{f"rejected_{name}": n for name, n in node.rejected_inputs.items()},
            "operator_hold": node.operator_hold,
            "robot_program_running": node.program_running,
            "safety_mode_watched": node.safety_mode_watched,
            "recovery_server_ready": node.recovery.server_ready(),
            "servo_accepts_twists": "n/a"
            if node.servo_switch is None
            else node.servo_switch.switched,
            **command_path_values(node.controller_watch, node.servo_halt),
            "twist_tracking": "n/a" if tracker.ratio is None else f"{tracker.ratio:.2f}",
            "episodes": node.episode_count,
            **{f"faults_{name}": n for name, n in node.callback_faults.items()},
        }
        halt = node.servo_halt.fault(node.now()) if node.servo_halt else ""
        lag = ""
        if tracker.lagging:
            lag = (
                f"the arm makes {tracker.ratio:.0%} of the commanded TCP speed "
                "(a lagging controller? docs/real_cell.md)"
            )
        level = "WARN" if fault or rejected or halt or lag else "OK"
        message = fault or halt or lag or ("in episode" if node.episode else "idle")
        if not node.safety_mode_watched and node.p.require_robot_program and level == "OK":
            level, message = "WARN", f"{message}; UR safety mode not watched (no ur_dashboard_msgs)"
        faults = sum(node.callback_faults.values())
        if faults > self.faults_reported:  # new since the last report: an error, once
            level, message = "ERROR", node.last_problem
            self.faults_reported = faults
        self.diag_pub.publish(
            diagnostics(node, "uniintervene_supervisor", level, message, values, "supervisor")
        )


def command_path_values(watch, halt) -> dict:
    """The command controller's and MoveIt Servo's state, for the diagnostics."""
    values = {}
    if watch is not None:
        values |= {
            "command_controller": watch.controller,
            "command_controller_active": watch.active,
            "controller_switches": watch.switches,
        }
    if halt is not None:
        values |= {f"servo_{name.lower()}": n for name, n in sorted(halt.counts.items())}
        values["servo_last_halt"] = halt.last or "none"
    return values
