"""Parameter declaration with descriptors, and the clean spin/shutdown every node uses."""

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


def run(node_class, args=None, executor_factory=None, before_shutdown=None) -> int:
    """Spin a node until Ctrl-C / SIGTERM and shut down without a traceback.

    Shared by every UniIntervene node. executor_factory: e.g. a multi-threaded executor
    (created after rclpy.init); before_shutdown(node): last words (close files).
    """
    rclpy.init(args=args)
    node = None
    try:
        node = node_class()
        if executor_factory is None:
            rclpy.spin(node)
        else:
            executor = executor_factory()
            executor.add_node(node)
            executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:
        if rclpy.ok():  # a real failure, not a callback racing the Ctrl-C shutdown
            raise
    finally:
        if node is not None:
            if before_shutdown is not None:
                before_shutdown(node)
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0
