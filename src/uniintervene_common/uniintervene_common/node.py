"""The clean spin/shutdown every node uses."""

import functools
import signal

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node

from uniintervene_common.startup import restore_stop_signals


def run(node_class, args=None, executor_factory=None, before_shutdown=None) -> int:
    """Spin a node until Ctrl-C / SIGTERM and shut down without a traceback.

    Shared by every UniIntervene node. executor_factory: e.g. a multi-threaded executor
    (created after rclpy.init); before_shutdown(node): last words (close files).
    """
    node = None
    try:
        restore_stop_signals()  # from here on a stop is KeyboardInterrupt or rclpy's
        rclpy.init(args=args)
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
        # Ctrl-C in a terminal signals the whole process group and `ros2 launch` sends its
        # own SIGINT after it: from here to the process's exit (atexit handlers included)
        # a second one must not cut the last words short. The process is ending anyway.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if node is not None:
            if before_shutdown is not None:
                before_shutdown(node)
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0


def diagnostic_name(node, package: str) -> str:
    """'<package>: <node>' for the root cell, '<package>: cell_2/<node>' for a namespaced
    one: /diagnostics is shared by every cell, so the name says whose status it is."""
    return f"{package}: {node.get_fully_qualified_name().lstrip('/')}"


def diagnostics(node, package: str, level: str, message: str, values: dict, hardware_id=""):
    """A DiagnosticArray of one status named by diagnostic_name; level OK, WARN or ERROR.
    A GuardedNode's survived callback faults are added (and make an OK status a WARN)."""
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

    faults = sum(getattr(node, "callback_faults", {}).values())
    if hasattr(node, "callback_faults"):
        values = {**values, "callback_faults": faults}
        if faults and level == "OK":
            level, message = "WARN", f"{message}; {faults} callback faults survived"

    status = DiagnosticStatus(
        name=diagnostic_name(node, package),
        hardware_id=hardware_id,
        level=getattr(DiagnosticStatus, level),
        message=message,
        values=[KeyValue(key=k, value=str(v)) for k, v in values.items()],
    )
    array = DiagnosticArray(status=[status])
    array.header.stamp = node.get_clock().now().to_msg()
    return array


def guarded(node, name: str, callback, on_fault=None, faults: dict | None = None):
    """`callback` that never takes the node down: an exception is counted in `faults`
    (name -> count), logged (throttled) and handed to on_fault(name, error), and the
    callback's next call runs as usual. One bad message or failed write is a reported
    fault, not a dead node."""

    @functools.wraps(callback)
    def run_guarded(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (KeyboardInterrupt, ExternalShutdownException):
            raise
        except Exception as error:  # noqa: BLE001 (any fault: counted and reported)
            if faults is not None:
                faults[name] = faults.get(name, 0) + 1
            node.get_logger().error(
                f"{name} failed: {type(error).__name__}: {error}", throttle_duration_sec=2.0
            )
            if on_fault is not None:
                try:
                    on_fault(name, error)
                except Exception as nested:  # noqa: BLE001 (reporting must not raise)
                    node.get_logger().error(f"reporting the fault failed: {nested}")
            return None

    return run_guarded


class GuardedNode(Node):
    """A Node whose subscription and timer callbacks never take it down: each runs
    `guarded`, its faults counted in `callback_faults` (reported by `diagnostics`) and
    handed to `on_callback_fault`. Every UniIntervene node is one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.callback_faults: dict[str, int] = {}

    def on_callback_fault(self, name: str, error: Exception) -> None:
        """What a fault means beyond counting and logging (override)."""

    def create_subscription(self, msg_type, topic, callback, qos_profile, **kwargs):
        callback = guarded(
            self, f"{topic} callback", callback, self.on_callback_fault, self.callback_faults
        )
        return super().create_subscription(msg_type, topic, callback, qos_profile, **kwargs)

    def create_timer(self, timer_period_sec, callback, **kwargs):
        name = getattr(callback, "__name__", "timer")
        callback = guarded(self, name, callback, self.on_callback_fault, self.callback_faults)
        return super().create_timer(timer_period_sec, callback, **kwargs)
