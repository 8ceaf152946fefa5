"""critic_node: value, risk and latent per camera frame.

In: the camera image (sensor-data QoS), /joint_states, the executed /uniintervene/command.
Out: /uniintervene/critic/value (ValueEstimate), /risk (RiskState), /latent (Latent),
/diagnostics. Output is marked invalid, never guessed, when the image is malformed, the
joint states are stale, or the model is missing or corrupt; the node keeps running and
retries loading the model.
"""

import sys
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from rcl_interfaces.msg import FloatingPointRange, ParameterDescriptor
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image, JointState

from uniintervene_critic.model import CriticBundle, ModelFileError
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_msgs.msg import ActionCommand, ControlMode, Latent, RiskState, ValueEstimate
from uniintervene_sim import ros_conversions as conv
from uniintervene_sim.nodes.common import run


def image_array(msg: Image, width: int, height: int) -> np.ndarray:
    """rgb8/bgr8 Image of the expected size (0 = any) -> H x W x 3 RGB; ValueError if not."""
    if (width and msg.width != width) or (height and msg.height != height):
        raise ValueError(f"size {msg.width}x{msg.height} (want {width}x{height})")
    return np.ascontiguousarray(conv.image_from_msg(msg))


class CriticNode(Node):
    def __init__(self):
        super().__init__("critic_node")
        describe = lambda text, low=None, high=None: ParameterDescriptor(  # noqa: E731
            description=text,
            floating_point_range=[]
            if low is None
            else [FloatingPointRange(from_value=low, to_value=high)],
        )
        self.model_path = self.declare_parameter(
            "model_path", "models/critic", describe("critic bundle folder")
        ).value
        self.joint_timeout = self.declare_parameter(
            "joint_state_timeout", 0.5, describe("s before joint states are stale", 0.01, 10.0)
        ).value
        self.image_timeout = self.declare_parameter(
            "image_timeout", 0.5, describe("s without images before output is invalid", 0.01, 10.0)
        ).value
        self.command_timeout = self.declare_parameter(
            "command_timeout",
            0.5,
            describe("s after which the executed action counts as zero", 0.01, 10.0),
        ).value
        self.width = self.declare_parameter("expected_width", 0, describe("0 = any")).value
        self.height = self.declare_parameter("expected_height", 0, describe("0 = any")).value
        self.gripper_width = self.declare_parameter(
            "gripper_open_width", 0.09, describe("finger opening when fully open, m", 0.01, 0.5)
        ).value
        self.trigger_mode = self.declare_parameter(
            "trigger_mode",
            "value_risk",
            describe("value_risk (UniIntervene) or failure_prediction (the baseline)"),
        ).value
        self.runtime, self.model_error = None, ""
        self.joints, self.joints_at = None, -np.inf
        self.command, self.command_at = np.zeros(7, np.float32), -np.inf
        self.last_image_at = time.monotonic()
        self.frames = self.invalid_frames = 0
        self.last_problem = ""
        self.value_pub = self.create_publisher(ValueEstimate, "/uniintervene/critic/value", 10)
        self.risk_pub = self.create_publisher(RiskState, "/uniintervene/critic/risk", 10)
        self.latent_pub = self.create_publisher(Latent, "/uniintervene/critic/latent", 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self.create_subscription(
            Image, "/camera/camera/color/image_raw", self.on_image, qos_profile_sensor_data
        )
        self.create_subscription(JointState, "/joint_states", self.on_joints, 10)
        self.create_subscription(ActionCommand, "/uniintervene/command", self.on_command, 10)
        self.episode_tick = 0
        self.create_subscription(ControlMode, "/uniintervene/control_mode", self.on_mode, 10)
        self.create_timer(1.0, self.publish_diagnostics)
        self.create_timer(self.image_timeout, self.watchdog)
        self.load_model()

    def load_model(self) -> None:
        try:
            self.runtime = CriticRuntime(CriticBundle.load(self.model_path), self.trigger_mode)
            self.model_error = ""
            self.get_logger().info(f"loaded critic from {self.model_path}")
        except (ModelFileError, ValueError) as error:
            if str(error) != self.model_error:
                self.get_logger().error(f"critic model unavailable: {error}")
            self.runtime, self.model_error = None, str(error)

    def on_joints(self, msg: JointState) -> None:
        arm = conv.arm_positions_from_joint_state(msg)
        if arm is None:
            return
        gripper = conv.gripper_closure_from_joint_state(msg, self.gripper_width)
        self.joints = np.array([*arm, self.command[6] if gripper is None else gripper], np.float32)
        self.joints_at = time.monotonic()

    def on_mode(self, msg: ControlMode) -> None:
        """A new supervised episode starts: forget the previous one's value history."""
        if msg.episode_tick < self.episode_tick and self.runtime is not None:
            self.runtime.reset()
        self.episode_tick = msg.episode_tick

    def on_command(self, msg: ActionCommand) -> None:
        t = msg.twist
        self.command = np.array(
            [
                t.linear.x,
                t.linear.y,
                t.linear.z,
                t.angular.x,
                t.angular.y,
                t.angular.z,
                msg.gripper,
            ],
            np.float32,
        )
        self.command_at = time.monotonic()

    def invalid(self, header, why: str) -> None:
        self.invalid_frames += 1
        self.last_problem = why
        self.get_logger().warn(f"critic output invalid: {why}", throttle_duration_sec=5.0)
        self.value_pub.publish(
            ValueEstimate(
                header=header,
                valid=False,
                value=float("nan"),
                state_value=float("nan"),
                prediction_error=float("nan"),
            )
        )

    def on_image(self, msg: Image) -> None:
        self.frames += 1
        self.last_image_at = time.monotonic()
        if self.runtime is None:
            return self.invalid(msg.header, f"no model: {self.model_error}")
        if time.monotonic() - self.joints_at > self.joint_timeout:
            return self.invalid(msg.header, "joint states stale or missing")
        try:
            image = image_array(msg, self.width, self.height)
        except ValueError as error:
            return self.invalid(msg.header, f"bad image: {error}")
        action = (
            self.command
            if time.monotonic() - self.command_at < self.command_timeout
            else np.zeros(7, np.float32)
        )
        step = self.runtime.step(image, self.joints, action)
        self.value_pub.publish(
            ValueEstimate(
                header=msg.header,
                value=step.value,
                state_value=step.state_value,
                prediction_error=step.prediction_error,
                valid=True,
            )
        )
        r = step.risk
        self.risk_pub.publish(
            RiskState(
                header=msg.header,
                risk=r.risk,
                value_mean=r.value_mean,
                value_slope=r.value_slope,
                drawdown=r.drawdown,
                stagnation_ticks=r.stagnation_ticks,
                trigger=r.trigger,
                reason=r.reason,
            )
        )
        self.latent_pub.publish(
            Latent(
                header=msg.header,
                encoder=self.runtime.encoder_name,
                data=step.latent.astype(np.float32).tolist(),
            )
        )

    def watchdog(self) -> None:
        if self.runtime is None:
            self.load_model()
        if time.monotonic() - self.last_image_at > self.image_timeout:
            header = ValueEstimate().header
            header.stamp = self.get_clock().now().to_msg()
            self.invalid(header, "no camera images")

    def publish_diagnostics(self) -> None:
        status = DiagnosticStatus(name="uniintervene_critic: critic_node", hardware_id="critic")
        if self.runtime is None:
            status.level, status.message = DiagnosticStatus.ERROR, f"no model: {self.model_error}"
        elif self.last_problem:
            status.level, status.message = DiagnosticStatus.WARN, self.last_problem
        else:
            status.level, status.message = DiagnosticStatus.OK, "estimating"
        status.values = [
            KeyValue(key=k, value=str(v))
            for k, v in (
                ("model_path", self.model_path),
                ("frames", self.frames),
                ("invalid_frames", self.invalid_frames),
            )
        ]
        self.last_problem = ""
        array = DiagnosticArray(status=[status])
        array.header.stamp = self.get_clock().now().to_msg()
        self.diag_pub.publish(array)


def main(args=None) -> int:
    return run(CriticNode, args)


if __name__ == "__main__":
    sys.exit(main())
