"""critic_node: value, risk and latent per camera frame.

In: the camera image (sensor-data QoS), the scene camera's image where the critic embeds
two views, /joint_states, the executed /uniintervene/command.
Out: /uniintervene/critic/value (ValueEstimate), /risk (RiskState), /latent (Latent),
/diagnostics. Output is marked invalid, never guessed, when the image is malformed, the
joint states are stale, a two-view critic's scene image is stale or missing, or the
model is missing or corrupt; the node keeps running and
retries loading the model. A V-JEPA 2 critic loads its frozen encoder from where the
bundle says (or `encoder_source`) onto `device`; a frame ring buffer fills its clip.
"""

import json
import pathlib
import sys
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from sensor_msgs.msg import Image, JointState

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters
from uniintervene_critic.model import CriticBundle, ModelFileError
from uniintervene_critic.runtime import ABLATION_MODES, CriticRuntime
from uniintervene_critic.schema import CRITIC_NODE
from uniintervene_msgs.msg import ActionCommand, ControlMode, Latent, RiskState, ValueEstimate


def image_array(msg: Image, width: int, height: int) -> np.ndarray:
    """rgb8/bgr8 Image of the expected size (0 = any) -> H x W x 3 RGB; ValueError if not."""
    if (width and msg.width != width) or (height and msg.height != height):
        raise ValueError(f"size {msg.width}x{msg.height} (want {width}x{height})")
    return np.ascontiguousarray(conv.image_from_msg(msg))


class CriticNode(GuardedNode):
    def __init__(self):
        super().__init__("critic_node")
        self.p = declare_parameters(self, CRITIC_NODE)
        self.model_path, self.trigger_mode = self.p.model_path, self.p.trigger_mode
        self.runtime, self.model_error = None, ""
        self.joints, self.joints_at = None, -np.inf
        self.command, self.command_at = np.zeros(7, np.float32), -np.inf
        self.last_image_at = time.monotonic()
        self.frames = self.invalid_frames = 0
        self.last_problem = ""
        self.value_pub = self.create_publisher(ValueEstimate, topics.VALUE, 10)
        self.risk_pub = self.create_publisher(RiskState, topics.RISK, 10)
        self.latent_pub = self.create_publisher(Latent, topics.LATENT, 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.create_subscription(Image, topics.IMAGE, self.on_image, qos.SENSOR)
        self.scene_image, self.scene_image_at = None, -np.inf
        self.create_subscription(Image, topics.SCENE_IMAGE, self.on_scene_image, qos.SENSOR)
        self.create_subscription(JointState, topics.JOINT_STATES, self.on_joints, 10)
        self.create_subscription(ActionCommand, topics.EXECUTED, self.on_command, qos.COMMANDS)
        self.episode_tick = 0
        self.create_subscription(ControlMode, topics.CONTROL_MODE, self.on_mode, qos.LATCHED)
        self.create_timer(1.0, self.publish_diagnostics)
        self.create_timer(self.p.image_timeout, self.watchdog)
        self.load_model()

    def load_model(self) -> None:
        try:
            triggers = None
            if self.trigger_mode in ABLATION_MODES:
                triggers = json.loads(
                    (pathlib.Path(self.model_path) / "training_report.json").read_text()
                )["triggers"]
            if self.p.device not in ("cpu", "cuda"):
                raise ValueError(f"device must be cpu or cuda, got {self.p.device!r}")
            if self.p.compile_encoder:
                self.get_logger().info(
                    "compile_encoder: a V-JEPA 2 encoder is compiled while it loads (~1 min)"
                )
            bundle = CriticBundle.load(
                self.model_path, self.p.encoder_source, self.p.device, self.p.compile_encoder
            )
            self.runtime = CriticRuntime(bundle, self.trigger_mode, triggers)
            self.model_error = ""
            self.get_logger().info(
                f"loaded critic from {self.model_path} ({bundle.config.encoder} encoder)"
            )
        except (ModelFileError, ValueError, OSError, KeyError) as error:
            if str(error) != self.model_error:
                self.get_logger().error(f"critic model unavailable: {error}")
            self.runtime, self.model_error = None, str(error)

    def on_joints(self, msg: JointState) -> None:
        proprio = conv.proprio_from_joint_state(msg, self.p.gripper_open_width, self.command[6])
        if proprio is not None:
            self.joints, self.joints_at = proprio, time.monotonic()

    def on_mode(self, msg: ControlMode) -> None:
        """A new supervised episode starts: forget the previous one's value history."""
        if msg.episode_tick < self.episode_tick and self.runtime is not None:
            self.runtime.reset()
        self.episode_tick = msg.episode_tick

    def on_command(self, msg: ActionCommand) -> None:
        command = conv.command_array(msg).astype(np.float32)
        if not np.isfinite(command[6]):  # "leave the gripper as it is": its measured closure
            command[6] = self.joints[6] if self.joints is not None else 0.0
        self.command = command
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

    def on_scene_image(self, msg: Image) -> None:
        """The second view, paired with the next wrist frame (its latest, while fresh)."""
        if self.runtime is None or self.runtime.bundle.config.views == 1:
            return  # a one-view critic does not read it: no decoding at 30 Hz for nothing
        try:
            self.scene_image = image_array(msg, self.p.expected_width, self.p.expected_height)
            self.scene_image_at = time.monotonic()
        except ValueError as error:
            self.scene_image = None
            self.last_problem = f"bad scene image: {error}"

    def scene_view(self):
        """The scene frame for a two-view critic; None for one view; ValueError if stale."""
        if self.runtime.bundle.config.views == 1:
            return None
        if self.scene_image is None or (
            time.monotonic() - self.scene_image_at > self.p.image_timeout
        ):
            raise ValueError("scene camera images stale or missing (this critic uses two views)")
        return self.scene_image

    def on_image(self, msg: Image) -> None:
        self.frames += 1
        self.last_image_at = time.monotonic()
        if self.runtime is None:
            return self.invalid(msg.header, f"no model: {self.model_error}")
        if time.monotonic() - self.joints_at > self.p.joint_state_timeout:
            return self.invalid(msg.header, "joint states stale or missing")
        try:
            image = image_array(msg, self.p.expected_width, self.p.expected_height)
        except ValueError as error:
            return self.invalid(msg.header, f"bad image: {error}")
        try:
            scene = self.scene_view()
        except ValueError as error:
            return self.invalid(msg.header, str(error))
        action = (
            self.command
            if time.monotonic() - self.command_at < self.p.command_timeout
            else np.zeros(7, np.float32)
        )
        step = self.runtime.step(image, self.joints, action, scene)
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
        if time.monotonic() - self.last_image_at > self.p.image_timeout:
            header = ValueEstimate().header
            header.stamp = self.get_clock().now().to_msg()
            self.invalid(header, "no camera images")

    def publish_diagnostics(self) -> None:
        if self.runtime is None:
            level, message = "ERROR", f"no model: {self.model_error}"
        elif self.last_problem:
            level, message = "WARN", self.last_problem
        else:
            level, message = "OK", "estimating"
        values = {
            "model_path": self.model_path,
            "frames": self.frames,
            "invalid_frames": self.invalid_frames,
        }
        self.last_problem = ""
        self.diag_pub.publish(
            diagnostics(self, "uniintervene_critic", level, message, values, "critic")
        )


def main(args=None) -> int:
    return run(CriticNode, args)


if __name__ == "__main__":
    sys.exit(main())
