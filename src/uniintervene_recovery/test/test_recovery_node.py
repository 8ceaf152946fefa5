"""recovery_node across processes: the Recover action server."""

import time

import numpy as np
import pytest
from action_msgs.msg import GoalStatus
from rclpy.action import ActionClient

from uniintervene_msgs.action import Recover
from uniintervene_msgs.msg import ActionCommand, Latent, ValueEstimate
from uniintervene_recovery.memory import InterventionMemory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy

pytestmark = pytest.mark.ros
DIM = 8


@pytest.fixture
def models(tmp_path):
    RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=32)).save(tmp_path)
    memory = InterventionMemory(DIM)
    memory.add(np.full(DIM, 3.0), 0.8, "wipe", "demo", 1.0)
    memory.save(tmp_path / "memory.safetensors")
    InterventionMemory(DIM).save(tmp_path / "empty.safetensors")
    return tmp_path


class FakeCritic:
    """Streams latent and value at 10 Hz from the test process, like critic_node would."""

    def __init__(self, ros, value=0.3):
        self.value, self.published = value, 0
        self.latent_pub = ros.node.create_publisher(Latent, "/uniintervene/critic/latent", 10)
        self.value_pub = ros.node.create_publisher(ValueEstimate, "/uniintervene/critic/value", 10)
        self.timer = ros.node.create_timer(0.1, self.publish)

    def publish(self):
        self.published += 1
        self.latent_pub.publish(Latent(encoder="sim_cnn", data=[0.0] * DIM))
        self.value_pub.publish(ValueEstimate(value=self.value, state_value=self.value, valid=True))

    def wait_heard(self, ros):
        """Until the recovery node matched both streams (on our side), then three rounds
        of them at the stream's own 10 Hz: the node's side matches a moment later, and
        it needs inputs younger than its input_timeout."""
        ros.wait_for_subscribers(self.latent_pub)
        ros.wait_for_subscribers(self.value_pub)
        start = self.published
        ros.spin_until(lambda: self.published >= start + 3, 5.0, "three rounds of the streams")


def start(ros, start_node, models, memory="memory.safetensors", **params):
    start_node(
        "uniintervene_recovery",
        "recovery_node",
        params={
            "policy_path": str(models),
            "memory_path": str(models / memory),
            "task": "wipe",
            "min_gain": 0.05,
            "value_margin": 0.05,
            "distance_threshold": 0.01,
            **params,
        },
    )
    client = ActionClient(ros.node, Recover, "/uniintervene/recover")
    ros.wait_for_action_server(client, timeout=30.0)
    commands = ros.probe(ActionCommand, "/uniintervene/recovery/command")
    return client, commands


def send(ros, client, max_ticks=100, feedback=None, task=""):
    goal = Recover.Goal(reason="stagnation", trigger_value=0.3, max_ticks=max_ticks, task=task)
    handle = ros.wait_future(
        client.send_goal_async(
            goal,
            feedback_callback=lambda fb: (
                feedback.append(fb.feedback) if feedback is not None else None
            ),
        )
    )
    assert handle.accepted
    return handle


def test_goal_streams_recovery_commands_until_the_value_reaches_the_target(ros, start_node, models):
    critic = FakeCritic(ros)
    client, commands = start(ros, start_node, models)
    critic.wait_heard(ros)
    feedback = []
    handle = send(ros, client, feedback=feedback)
    commands.wait_for(count=5, timeout=10.0)
    assert all(c.source == ActionCommand.RECOVERY for c in commands.messages)
    assert feedback and feedback[-1].target_value == pytest.approx(0.8)
    assert feedback[-1].distance == pytest.approx(np.linalg.norm(np.full(DIM, 3.0)), rel=1e-5)
    critic.value = 0.78  # the critic now sees a high-value state: target reached
    result = ros.wait_future(handle.get_result_async(), timeout=10.0)
    assert result.status == GoalStatus.STATUS_SUCCEEDED
    assert result.result.outcome == "success" and result.result.target_id == "wipe/demo/1.0"
    assert result.result.final_value == pytest.approx(0.78)
    grown = InterventionMemory.load(models / "memory.safetensors")
    assert len(grown) == 2 and len(grown.segments[1].actions) >= 5  # verified, remembered


def test_cancel_stops_commands_within_one_tick(ros, start_node, models):
    critic = FakeCritic(ros)
    client, commands = start(ros, start_node, models)
    critic.wait_heard(ros)
    handle = send(ros, client)
    commands.wait_for(count=3, timeout=10.0)
    ros.wait_future(handle.cancel_goal_async())
    cancel_sent = time.monotonic()  # the server has accepted the cancel
    result = ros.wait_future(handle.get_result_async(), timeout=5.0)
    assert result.status == GoalStatus.STATUS_CANCELED
    ros.spin_for(0.5)
    late = [t for t in commands.stamps if t > cancel_sent]
    assert len(late) <= 1  # at most the tick already in flight


def test_empty_memory_and_stale_inputs_fail_cleanly(ros, start_node, models):
    client, commands = start(ros, start_node, models, memory="empty.safetensors")
    handle = send(ros, client)  # no critic stream at all yet
    result = ros.wait_future(handle.get_result_async(), timeout=10.0)
    assert result.status == GoalStatus.STATUS_ABORTED
    assert result.result.outcome.startswith("invalid_input: critic latent stale")
    FakeCritic(ros).wait_heard(ros)
    result = ros.wait_future(send(ros, client).get_result_async(), timeout=10.0)
    assert result.status == GoalStatus.STATUS_ABORTED
    assert result.result.outcome == "no_target: the intervention memory is empty"
    assert commands.messages == []


def test_timeout_fails_with_the_tick_count(ros, start_node, models):
    critic = FakeCritic(ros)
    client, commands = start(ros, start_node, models)
    critic.wait_heard(ros)
    result = ros.wait_future(send(ros, client, max_ticks=4).get_result_async(), timeout=10.0)
    assert result.status == GoalStatus.STATUS_ABORTED
    assert result.result.outcome == "timeout" and result.result.ticks == 4
    ros.spin_for(0.3)
    assert len(commands.messages) == 4


def test_a_goal_recovers_toward_its_own_task_only_and_foreign_latents_are_refused(
    ros, start_node, models
):
    critic = FakeCritic(ros)
    client, commands = start(ros, start_node, models, task="")  # the goal names the task
    critic.wait_heard(ros)
    result = ros.wait_future(send(ros, client, task="ram_insertion").get_result_async())
    assert result.result.outcome == "no_target: no memory entries for task 'ram_insertion'"
    assert commands.messages == []  # the wipe entry is never a ram_insertion target
    result = ros.wait_future(send(ros, client, max_ticks=2, task="wipe").get_result_async())
    assert result.result.outcome == "timeout" and result.result.ticks == 2


def test_latents_of_another_encoder_than_the_memory_holds_are_refused(ros, start_node, tmp_path):
    RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=32)).save(tmp_path)
    memory = InterventionMemory(DIM, encoder="vjepa2")
    memory.add(np.full(DIM, 3.0), 0.8, "wipe", "demo", 1.0)
    memory.save(tmp_path / "memory.safetensors")
    critic = FakeCritic(ros)  # publishes sim_cnn latents
    client, commands = start(ros, start_node, tmp_path)
    critic.wait_heard(ros)
    result = ros.wait_future(send(ros, client).get_result_async())
    assert result.result.outcome.startswith("invalid_input: critic latent stale")
    assert commands.messages == []
