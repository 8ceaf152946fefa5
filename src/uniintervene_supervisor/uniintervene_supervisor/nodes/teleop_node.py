"""teleop_node: /spacenav/twist + /spacenav/joy (or any sensor_msgs/Joy) to
/uniintervene/human/command and /uniintervene/human/engaged, at the control rate."""

import sys
import time

from geometry_msgs.msg import Twist
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node
from sensor_msgs.msg import Joy
from std_msgs.msg import Bool

from uniintervene_msgs.msg import ActionCommand
from uniintervene_sim.nodes.common import run
from uniintervene_supervisor.teleop import TeleopConfig, TeleopMapper


class TeleopNode(Node):
    def __init__(self):
        super().__init__("teleop_node")
        defaults = TeleopConfig()

        def p(name, default, text):
            descriptor = ParameterDescriptor(description=text)
            return self.declare_parameter(name, default, descriptor).value

        config = TeleopConfig(
            mode=p("mode", defaults.mode, "implicit (HiL-SERL takeover) or deadman"),
            deadband=p("deadband", defaults.deadband, "input norm that counts as a takeover"),
            linear_scale=p("linear_scale", defaults.linear_scale, "m/s at full deflection"),
            angular_scale=p("angular_scale", defaults.angular_scale, "rad/s at full deflection"),
            axis_signs=p("axis_signs", defaults.axis_signs, "per-axis sign/scale (6)"),
            release_after=p(
                "release_after",
                defaults.release_after,
                "s of no input that ends an implicit takeover",
            ),
            input_timeout=p("input_timeout", defaults.input_timeout, "s of silence: device gone"),
            deadman_button=p("deadman_button", defaults.deadman_button, "deadman button index"),
            close_button=p("close_button", defaults.close_button, "button closing the gripper"),
            open_button=p("open_button", defaults.open_button, "button opening the gripper"),
        )
        twist_topic = p("twist_topic", "/spacenav/twist", "device twist (geometry_msgs/Twist)")
        joy_topic = p("joy_topic", "/spacenav/joy", "device buttons/axes (sensor_msgs/Joy)")
        self.use_joy_axes = p("use_joy_axes", False, "take the 6 axes from Joy (a joystick)")
        self.frame_id = p("base_frame", "base_link", "frame of the human commands")
        period = p("period", 0.1, "s between published commands")
        self.mapper = TeleopMapper(config)
        self.command_pub = self.create_publisher(ActionCommand, "/uniintervene/human/command", 10)
        self.engaged_pub = self.create_publisher(Bool, "/uniintervene/human/engaged", 10)
        self.create_subscription(Twist, twist_topic, self.on_twist, 10)
        self.create_subscription(Joy, joy_topic, self.on_joy, 10)
        self.create_timer(period, self.publish)

    def on_twist(self, msg: Twist) -> None:
        self.mapper.on_twist(
            [msg.linear.x, msg.linear.y, msg.linear.z, msg.angular.x, msg.angular.y, msg.angular.z],
            time.monotonic(),
        )

    def on_joy(self, msg: Joy) -> None:
        if self.use_joy_axes and len(msg.axes) >= 6:
            self.mapper.on_twist(list(msg.axes[:6]), time.monotonic())
        self.mapper.on_buttons(msg.buttons, time.monotonic())

    def publish(self) -> None:
        engaged = self.mapper.engaged(time.monotonic())
        if engaged:
            command = self.mapper.command()
            msg = ActionCommand(source=ActionCommand.HUMAN, gripper=float(command[6]))
            msg.header.stamp = self.get_clock().now().to_msg()
            msg.header.frame_id = self.frame_id
            t = msg.twist
            t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z = (
                float(v) for v in command[:6]
            )
            self.command_pub.publish(msg)
        self.engaged_pub.publish(Bool(data=engaged))


def main(args=None) -> int:
    return run(TeleopNode, args)


if __name__ == "__main__":
    sys.exit(main())
