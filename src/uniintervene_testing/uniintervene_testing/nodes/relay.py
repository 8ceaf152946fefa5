"""Republish every message of one type from `in_topic` on `out_topic`, unchanged."""

import sys

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node

from uniintervene_common.node import run
from uniintervene_testing.interfaces import import_interface


class Relay(Node):
    def __init__(self):
        super().__init__("interface_relay")
        describe = ParameterDescriptor
        type_name = self.declare_parameter(
            "interface", "", describe(description="type to relay, e.g. pkg/msg/Name")
        ).value
        in_topic = self.declare_parameter(
            "in_topic", "relay_in", describe(description="topic to read")
        ).value
        out_topic = self.declare_parameter(
            "out_topic", "relay_out", describe(description="topic to write")
        ).value
        msg_class = import_interface(type_name)
        self.publisher = self.create_publisher(msg_class, out_topic, 10)
        self.create_subscription(msg_class, in_topic, self.publisher.publish, 10)
        self.get_logger().info(f"relaying {type_name}: {in_topic} -> {out_topic}")


def main(args=None):
    return run(Relay, args)


if __name__ == "__main__":
    sys.exit(main())
