"""GuardedNode: a callback that throws is counted, reported and survived; the next call
runs as usual."""

import pytest
import rclpy
from std_msgs.msg import Bool

from uniintervene_common.node import GuardedNode, diagnostics


@pytest.fixture
def node():
    rclpy.init()
    node = GuardedNode("guarded_test")
    yield node
    node.destroy_node()
    rclpy.shutdown()


def test_a_throwing_callback_is_counted_reported_and_survived(node):
    seen, faults = [], []
    node.on_callback_fault = lambda name, error: faults.append((name, str(error)))

    def on_flag(msg: Bool) -> None:
        if not msg.data:
            raise ValueError("a malformed message")
        seen.append(msg.data)

    subscription = node.create_subscription(Bool, "flag", on_flag, 10)
    subscription.callback(Bool(data=False))  # raises inside: survived
    subscription.callback(Bool(data=True))
    assert seen == [True] and node.callback_faults == {"flag callback": 1}
    assert faults == [("flag callback", "a malformed message")]
    timer = node.create_timer(10.0, lambda: 1 / 0)
    timer.callback()
    assert node.callback_faults["<lambda>"] == 1
    status = diagnostics(node, "pkg", "OK", "fine", {}).status[0]
    assert status.level == status.WARN and "2 callback faults" in status.message
    assert {kv.key: kv.value for kv in status.values}["callback_faults"] == "2"
