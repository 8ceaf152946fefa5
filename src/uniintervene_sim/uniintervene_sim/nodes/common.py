"""Parameter declaration with descriptors, and a clean spin/shutdown, for the sim nodes."""

import rclpy
from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
from rclpy.executors import ExternalShutdownException


def declare(node, name: str, default, description: str, low=None, high=None):
    """Declare a parameter with a description (and a range for numbers); return its value."""
    descriptor = ParameterDescriptor(description=description)
    if low is not None and isinstance(default, float):
        descriptor.floating_point_range = [
            FloatingPointRange(from_value=float(low), to_value=float(high))
        ]
    elif low is not None and isinstance(default, int) and not isinstance(default, bool):
        descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high), step=1)]
    return node.declare_parameter(name, default, descriptor).value


def run(node_class, args=None) -> int:
    """Spin a node until Ctrl-C / SIGTERM and shut down without a traceback."""
    rclpy.init(args=args)
    node = None
    try:
        node = node_class()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:
        if rclpy.ok():  # a real failure, not a callback racing the Ctrl-C shutdown
            raise
    finally:
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0
