"""teleop_node across processes: a SpaceMouse twist becomes a human takeover."""

import pytest
from geometry_msgs.msg import Twist
from std_msgs.msg import Bool

from uniintervene_msgs.msg import ActionCommand

pytestmark = pytest.mark.ros


def test_spacenav_input_takes_over_and_silence_releases(ros, start_node):
    start_node(
        "uniintervene_supervisor",
        "teleop_node",
        params={"linear_scale": 0.2, "input_timeout": 0.5, "release_after": 0.3},
    )
    spacenav = ros.node.create_publisher(Twist, "/spacenav/twist", 10)
    engaged = ros.probe(Bool, "/uniintervene/human/engaged")
    commands = ros.probe(ActionCommand, "/uniintervene/human/command")
    ros.wait_for_subscribers(spacenav, timeout=20.0)
    engaged.wait_for(count=2)
    assert not engaged.messages[-1].data
    push = Twist()
    push.linear.y = 0.5
    for _ in range(5):
        spacenav.publish(push)
        ros.spin_for(0.1)
    command = commands.wait_for()
    assert engaged.messages[-1].data and command.source == ActionCommand.HUMAN
    assert command.twist.linear.y == pytest.approx(0.1)
    ros.spin_until(lambda: not engaged.messages[-1].data, 3.0, "release after silence")
