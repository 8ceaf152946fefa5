"""teleop_node: /spacenav/twist + /spacenav/joy (or any sensor_msgs/Joy) to
uniintervene/human/command and uniintervene/human/engaged, at the control rate."""

import sys
import time

from geometry_msgs.msg import Twist
from sensor_msgs.msg import Joy
from std_msgs.msg import Bool

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, run
from uniintervene_common.params import declare_parameters, fields_of
from uniintervene_msgs.msg import ActionCommand
from uniintervene_supervisor.schema import TELEOP_NODE
from uniintervene_supervisor.teleop import TeleopConfig, TeleopMapper


class TeleopNode(GuardedNode):
    def __init__(self):
        super().__init__("teleop_node")
        self.p = declare_parameters(self, TELEOP_NODE)
        config = TeleopConfig(**fields_of(self.p, TeleopConfig))
        self.use_joy_axes, self.frame_id = self.p.use_joy_axes, self.p.base_frame
        self.mapper = TeleopMapper(config)
        self.command_pub = self.create_publisher(
            ActionCommand, topics.COMMAND["human"], qos.COMMANDS
        )
        self.engaged_pub = self.create_publisher(Bool, topics.HUMAN_ENGAGED, qos.COMMANDS)
        self.create_subscription(Twist, self.p.twist_topic, self.on_twist, 10)
        self.create_subscription(Joy, self.p.joy_topic, self.on_joy, 10)
        self.create_timer(self.p.period, self.publish)

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
            stamp = self.get_clock().now().to_msg()
            msg = conv.action_command_msg(command, ActionCommand.HUMAN, stamp, self.frame_id)
            self.command_pub.publish(msg)
        self.engaged_pub.publish(Bool(data=engaged))


def main(args=None) -> int:
    return run(TeleopNode, args)


if __name__ == "__main__":
    sys.exit(main())
