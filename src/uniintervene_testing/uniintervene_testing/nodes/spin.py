"""Run a node until SIGINT/SIGTERM, exiting cleanly either way.

The product nodes share uniintervene_sim.nodes.common.run; this test package cannot
import it (the sim's tests depend on this package, and colcon refuses the cycle).
"""

import rclpy
from rclpy.executors import ExternalShutdownException


def spin_node(node_factory, args=None, executor_factory=None) -> int:
    """Create the node (and executor) after rclpy.init, spin, shut down cleanly."""
    rclpy.init(args=args)
    node = None
    try:
        node = node_factory()
        if executor_factory is None:
            rclpy.spin(node)
        else:
            executor = executor_factory()
            executor.add_node(node)
            executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:
        if rclpy.ok():  # a real failure, not a wait racing the Ctrl-C shutdown
            raise
    finally:
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0
