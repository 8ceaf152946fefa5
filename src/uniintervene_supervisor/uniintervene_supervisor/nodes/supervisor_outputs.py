"""supervisor_node's outputs: the executed command and twist, the control mode, the RViz
status marker, events, action feedback and diagnostics (a mixin of SupervisorNode)."""

import numpy as np
from geometry_msgs.msg import TwistStamped
from std_msgs.msg import Float64

from uniintervene_common import conversions as conv
from uniintervene_common import topics
from uniintervene_common.kinematics import tcp_pose, twist_at_flange
from uniintervene_common.node import diagnostics
from uniintervene_msgs.action import Arbitrate
from uniintervene_msgs.msg import ControlMode, InterventionEvent
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.episode import Episode
from uniintervene_supervisor.nodes.robot_state import status_marker


class SupervisorOutputs:
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
        return conv.twist_stamped_msg(command, self.get_clock().now().to_msg(), self.p.base_frame)

    def publish_command(self, command: np.ndarray, mode: Mode) -> None:
        twist = self.twist_msg(command)
        self.servo_pub.publish(twist)
        self.output_at = self.now()
        if np.isfinite(command[6]):  # NaN: no gripper command known yet, leave it alone
            self.gripper_pub.publish(Float64(data=float(command[6])))
        # the TCP twist: what the critic and the learner see
        executed = conv.action_command_msg(command, int(mode), twist.header.stamp)
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
            "safety_mode_watched": self.safety_mode_watched,
            "recovery_server_ready": self.recovery.server_ready(),
            "servo_accepts_twists": "n/a"
            if self.servo_switch is None
            else self.servo_switch.switched,
            **command_path_values(self.controller_watch, self.servo_halt),
            "twist_tracking": "n/a" if self.tracker.ratio is None else f"{self.tracker.ratio:.2f}",
            "episodes": self.episode_count,
            **{f"faults_{name}": n for name, n in self.callback_faults.items()},
        }
        halt = self.servo_halt.fault(self.now()) if self.servo_halt else ""
        lag = ""
        if self.tracker.lagging:
            lag = (
                f"the arm makes {self.tracker.ratio:.0%} of the commanded TCP speed "
                "(a lagging controller? docs/real_cell.md)"
            )
        level = "WARN" if fault or rejected or halt or lag else "OK"
        message = fault or halt or lag or ("in episode" if self.episode else "idle")
        if not self.safety_mode_watched and self.p.require_robot_program and level == "OK":
            level, message = "WARN", f"{message}; UR safety mode not watched (no ur_dashboard_msgs)"
        faults = sum(self.callback_faults.values())
        if faults > self.faults_reported:  # new since the last report: an error, once
            level, message = "ERROR", self.last_problem
            self.faults_reported = faults
        self.diag_pub.publish(
            diagnostics(self, "uniintervene_supervisor", level, message, values, "supervisor")
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
