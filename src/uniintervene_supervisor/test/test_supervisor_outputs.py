"""What supervisor_node sends the robot and RViz, frame by frame (in-process node, its
publishers captured, no spinning): a zero twist on HOLD between episodes, the status
marker at the TCP in base_link, and twists shifted to the flange for MoveIt Servo."""

import numpy as np
import pytest
import rclpy

from uniintervene_common.kinematics import HOME, tcp_pose, twist_at_flange
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.nodes.supervisor_node import SupervisorNode


@pytest.fixture
def node(request):
    rclpy.init(args=["--ros-args", "-p", "record:=false", *getattr(request, "param", [])])
    node = SupervisorNode()
    node.sent = {"servo": [], "marker": [], "executed": []}
    node.outputs.servo_pub.publish = node.sent["servo"].append
    node.outputs.marker_pub.publish = node.sent["marker"].append
    node.outputs.command_pub.publish = node.sent["executed"].append
    yield node
    node.destroy_node()
    rclpy.shutdown()


def test_hold_between_episodes_sends_a_zero_twist(node):
    node.tick()  # no joint states: a robot fault, and no episode
    assert node.last_decision.mode == Mode.HOLD
    (twist,) = node.sent["servo"]
    assert twist.header.frame_id == "base_link"
    t = twist.twist
    assert [t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z] == [0] * 6
    assert node.sent["executed"] == []  # nothing was executed for an episode


def test_status_marker_floats_above_the_tcp_in_base_link(node):
    q = HOME + np.array([0.3, 0.1, -0.1, 0.0, 0.0, 0.0])
    node.inputs["joints"].set(q, node.now())
    node.outputs.publish_status_marker(Mode.POLICY, node.get_clock().now().to_msg())
    (marker,) = node.sent["marker"]
    tcp = tcp_pose(q, 0.16)[:3, 3]
    assert marker.header.frame_id == "base_link"
    position = [marker.pose.position.x, marker.pose.position.y, marker.pose.position.z]
    assert position == pytest.approx([tcp[0], tcp[1], tcp[2] + 0.15])
    assert tcp[0] > 0  # in front of the robot in base_link (in DH `base` it would be x < 0)


@pytest.mark.parametrize("node", [["-p", "servo_twist_at_flange:=true"]], indirect=True)
def test_twists_are_shifted_to_the_flange_and_the_tcp_twist_is_recorded(node):
    q = HOME + 0.1
    node.inputs["joints"].set(q, node.now())
    command = np.array([0.02, 0.0, -0.01, 0.3, 0.0, 0.2, 1.0])
    node.outputs.publish_command(command, Mode.POLICY)
    (twist,) = node.sent["servo"]
    t = twist.twist
    sent = [t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z]
    assert sent == pytest.approx(twist_at_flange(command[:6], q, 0.16))
    assert sent[:3] != pytest.approx(command[:3])  # the rotation moves the flange
    (executed,) = node.sent["executed"]
    assert [executed.twist.linear.x, executed.twist.angular.x] == pytest.approx([0.02, 0.3])
