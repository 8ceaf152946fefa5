"""The ROS runtime is real: every UniIntervene interface crosses DDS between processes.

Each message type (and the request/response and goal/result/feedback parts of the
service and actions) is published from this process, relayed by a separate process and
received back; every field must survive. The actions run against an action server in
another process: feedback and result arrive intact, and a cancelled goal reports canceled.
"""

import time

import pytest
from action_msgs.msg import GoalStatus
from rclpy.action import ActionClient

from uniintervene_testing.interfaces import filled, import_interface

MESSAGE_TYPES = [
    "uniintervene_msgs/msg/ActionCommand",
    "uniintervene_msgs/msg/ValueEstimate",
    "uniintervene_msgs/msg/RiskState",
    "uniintervene_msgs/msg/Latent",
    "uniintervene_msgs/msg/ControlMode",
    "uniintervene_msgs/msg/InterventionEvent",
    "uniintervene_msgs/msg/TaskState",
    "uniintervene_msgs/msg/Transition",
    "uniintervene_msgs/msg/PolicyWeights",
    "uniintervene_msgs/srv/ResetTask_Request",
    "uniintervene_msgs/srv/ResetTask_Response",
    "uniintervene_msgs/action/Arbitrate_Goal",
    "uniintervene_msgs/action/Arbitrate_Result",
    "uniintervene_msgs/action/Arbitrate_Feedback",
    "uniintervene_msgs/action/Recover_Goal",
    "uniintervene_msgs/action/Recover_Result",
    "uniintervene_msgs/action/Recover_Feedback",
]

ACTIONS = {
    "uniintervene_msgs/action/Arbitrate": "/uniintervene/arbitrate",
    "uniintervene_msgs/action/Recover": "/uniintervene/recover",
}


def test_filled_messages_set_every_field_to_a_non_default():
    for type_name in MESSAGE_TYPES:
        msg_class = import_interface(type_name)
        msg = filled(msg_class, seed=3)
        for field in msg.get_fields_and_field_types():
            assert getattr(msg, field) != getattr(msg_class(), field), (type_name, field)


@pytest.mark.ros
@pytest.mark.parametrize("type_name", MESSAGE_TYPES)
def test_message_crosses_processes_intact(ros, start_node, type_name):
    msg_class = import_interface(type_name)
    relay = start_node(
        "uniintervene_testing",
        "interface_relay",
        params={"interface": type_name, "in_topic": "/contract/in", "out_topic": "/contract/out"},
    )
    publisher = ros.node.create_publisher(msg_class, "/contract/in", 10)
    echoed = ros.probe(msg_class, "/contract/out")
    ros.wait_for_subscribers(publisher, timeout=20.0)
    ros.wait_for_publishers("/contract/out", timeout=20.0)
    # matched both ways, on our side (reliable QoS delivers once our side has matched)
    ros.spin_until(lambda: echoed.subscription.get_publisher_count() >= 1, 20.0, "relay match")
    sent = [filled(msg_class, seed) for seed in (1, 2, 3)]
    # Our side having matched does not mean the relay's side has (discovery is not
    # symmetric): what is published before it has can be lost, so resend the batch once a
    # second until every message came back. Whatever comes back must be intact.
    last_sent = [-1.0]

    def all_echoed() -> bool:
        if all(msg in echoed.messages for msg in sent):
            return True
        if time.monotonic() - last_sent[0] > 1.0:
            for msg in sent:
                publisher.publish(msg)
            last_sent[0] = time.monotonic()
        return False

    ros.spin_until(all_echoed, 20.0, f"the three {type_name} messages echoed")
    assert all(msg in sent for msg in echoed.messages)  # every field survived
    assert relay.is_alive()


@pytest.mark.ros
@pytest.mark.parametrize("type_name,action_name", ACTIONS.items())
def test_action_goal_gets_feedback_and_result(ros, start_node, type_name, action_name):
    action_class = import_interface(type_name)
    start_node(
        "uniintervene_testing",
        "contract_action_server",
        params={
            "action_type": type_name,
            "action_name": action_name,
            "feedback_count": 4,
            "period": 0.05,
        },
    )
    client = ActionClient(ros.node, action_class, action_name)
    ros.wait_for_action_server(client, timeout=20.0)
    feedback = []
    goal_handle = ros.wait_future(
        client.send_goal_async(
            filled(action_class.Goal, 5), feedback_callback=lambda fb: feedback.append(fb.feedback)
        )
    )
    assert goal_handle.accepted
    response = ros.wait_future(goal_handle.get_result_async(), timeout=10.0)
    assert response.status == GoalStatus.STATUS_SUCCEEDED
    assert response.result == filled(action_class.Result, 1)
    # Feedback is best-effort by design; what arrives must be intact and in order.
    ros.spin_for(0.2)
    assert feedback, "no feedback arrived"
    expected = [filled(action_class.Feedback, seed) for seed in range(4)]
    assert all(fb in expected for fb in feedback)
    assert [expected.index(fb) for fb in feedback] == sorted(expected.index(fb) for fb in feedback)
    client.destroy()


@pytest.mark.ros
def test_cancelled_arbitrate_goal_reports_canceled(ros, start_node):
    action_class = import_interface("uniintervene_msgs/action/Arbitrate")
    start_node(
        "uniintervene_testing",
        "contract_action_server",
        params={"feedback_count": 1000, "period": 0.05},
    )
    client = ActionClient(ros.node, action_class, "/uniintervene/arbitrate")
    ros.wait_for_action_server(client, timeout=20.0)
    feedback = []
    goal_handle = ros.wait_future(
        client.send_goal_async(
            filled(action_class.Goal, 2), feedback_callback=lambda fb: feedback.append(fb.feedback)
        )
    )
    ros.spin_until(lambda: len(feedback) >= 2, 10.0, "feedback before cancelling")
    cancel = ros.wait_future(goal_handle.cancel_goal_async())
    assert len(cancel.goals_canceling) == 1
    response = ros.wait_future(goal_handle.get_result_async(), timeout=10.0)
    assert response.status == GoalStatus.STATUS_CANCELED
    assert len(feedback) < 1000
    client.destroy()
