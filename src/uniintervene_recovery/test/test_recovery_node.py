"""recovery_node across processes: the Recover action server; and online recovery
learning in the graph: recovery_learner_node remembers a cell's rising correction, trains
and publishes recovery weights (and resumes after a restart); recovery_node swaps newer
weights in between recoveries, refuses corrupt ones, and remembers human corrections."""

import time

import numpy as np
import pytest
import torch
from action_msgs.msg import GoalStatus
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.action import ActionClient

from uniintervene_common import qos
from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_msgs.action import Recover
from uniintervene_msgs.msg import ActionCommand, Latent, PolicyWeights, Transition, ValueEstimate
from uniintervene_recovery.memory import InterventionMemory, Segment
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy
from uniintervene_recovery.weights import RecoveryWeights, pack_recovery, unpack_recovery

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
            "stall_ticks": 1000,  # these tests end recoveries by value or the time cap
            # the test process streams the critic only while it spins: 2 s of slack, so a
            # pause of the test (GC, a busy machine) is not read as a stale critic
            "input_timeout": 2.0,
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


WEIGHTS = "/uniintervene/recovery/weights"


@pytest.fixture
def learning_models(tmp_path):
    torch.manual_seed(0)
    config = CriticConfig(latent_dim=DIM, hidden=16)
    critic = CriticBundle(config, SimCNNEncoder(DIM).eval(), ActionValueModel(config).eval())
    critic.save(tmp_path / "critic")
    RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=32)).save(tmp_path)
    memory = InterventionMemory(DIM)
    ticks = np.linspace(0, 3, 5, dtype=np.float32)[:, None].repeat(DIM, 1)
    still = np.zeros((5, 7), np.float32)
    memory.add(np.full(DIM, 3.0), 0.8, "wipe", "demo", 1.0, Segment(ticks, still, still))
    memory.save(tmp_path / "memory.safetensors")
    # two latents the critic scores low and high: a correction from one to the other rose
    latents = np.random.default_rng(0).normal(size=(64, DIM)).astype(np.float32)
    with torch.no_grad():
        values = critic.model.value(torch.from_numpy(latents)).view(-1).numpy()
    return tmp_path, latents[values.argmin()], latents[values.argmax()]


def learner_params(folder) -> dict:
    return {
        "policy_path": str(folder), "memory_path": str(folder / "memory.safetensors"),
        "critic_path": str(folder / "critic"), "data_dir": str(folder / "learned"),
        "train_period": 0.02, "publish_every_updates": 10, "batch_size": 16,
        "min_improvement": 0.0,
    }  # fmt: skip


def correction(low, high, episode="e1") -> list[Transition]:
    """Three human ticks from the low-value state to the high one, then a policy tick."""
    msgs = []
    for k, source in enumerate([ActionCommand.HUMAN] * 3 + [ActionCommand.POLICY]):
        latent = low if k < 3 else high
        msg = Transition(stream="/cell@1", sequence=k, episode_id=episode, tick=k, task="wipe")
        msg.latent, msg.next_latent = latent.tolist(), (high if k >= 2 else low).tolist()
        msg.proprio = msg.next_proprio = [0.0] * 7
        msg.executed.source, msg.executed.gripper = source, 1.0
        msg.executed.twist.linear.x = 0.05
        msgs.append(msg)
    return msgs


def test_the_learner_side_remembers_trains_publishes_and_resumes(ros, start_node, learning_models):
    folder, low, high = learning_models
    weights = ros.probe(PolicyWeights, WEIGHTS, qos.LATCHED)
    learner = start_node("uniintervene_recovery", "recovery_learner_node",
                         params=learner_params(folder))  # fmt: skip
    ros.spin_until(lambda: any(m.version >= 30 for m in weights.messages), 30.0, "weights v30")
    newest = weights.messages[-1]
    policy = unpack_recovery(
        RecoveryWeights(newest.version, newest.config, newest.sha256, bytes(newest.data)), DIM
    )
    assert newest.version % 10 == 0 and policy.config.latent_dim == DIM
    publisher = ros.node.create_publisher(Transition, "/uniintervene/transitions", qos.TRANSITIONS)
    ros.wait_for_subscribers(publisher)
    for msg in correction(low, high):
        publisher.publish(msg)
    saved = folder / "learned" / "memory.safetensors"
    ros.spin_until(
        lambda: saved.exists() and len(InterventionMemory.load(saved)) == 2, 20.0, "memory of 2"
    )
    memory = InterventionMemory.load(saved)
    assert memory.tasks[-1] == "wipe" and len(memory.segments[-1].actions) == 3
    assert np.allclose(memory.latents[-1], high)
    before = weights.messages[-1].version
    assert learner.stop() == 0  # Ctrl-C: memory and policy saved
    weights.clear()
    start_node("uniintervene_recovery", "recovery_learner_node", params=learner_params(folder))
    first = weights.wait_for(1, 30.0)
    assert first.version >= before  # resumed: the version never goes back
    assert len(InterventionMemory.load(saved)) == 2


def test_recovery_node_swaps_weights_between_recoveries_and_remembers_corrections(
    ros, start_node, learning_models
):
    folder, _, _ = learning_models
    critic = FakeCritic(ros)
    start_node("uniintervene_recovery", "recovery_node", params={
        "policy_path": str(folder), "memory_path": str(folder / "memory.safetensors"),
        "task": "wipe", "min_gain": 0.05, "distance_threshold": 0.01, "stall_ticks": 1000,
        "input_timeout": 2.0,  # as start(): slack for the test-streamed critic
    })  # fmt: skip
    client = ActionClient(ros.node, Recover, "/uniintervene/recover")
    ros.wait_for_action_server(client, timeout=30.0)
    commands = ros.probe(ActionCommand, "/uniintervene/recovery/command")
    diagnostics = ros.probe(DiagnosticArray, "/diagnostics", 100)
    critic.wait_heard(ros)
    # newer weights: a policy whose twist is +x at full speed, whatever it sees
    fast = RecoveryPolicy(PolicyConfig(latent_dim=DIM, hidden=32))
    with torch.no_grad():
        fast.net[-1].weight.zero_()
        fast.net[-1].bias.copy_(torch.tensor([10.0, 0, 0, 0, 0, 0, 10.0]))
    packed = pack_recovery(fast, 5)
    weights = ros.node.create_publisher(PolicyWeights, WEIGHTS, qos.LATCHED)
    corrupt = PolicyWeights(version=9, config=packed.config, sha256="0" * 64, data=packed.data)
    weights.publish(PolicyWeights(version=5, config=packed.config, sha256=packed.sha256,
                                  data=packed.data))  # fmt: skip

    def reported(key):
        for msg in reversed(diagnostics.messages):
            for status in msg.status:
                values = {kv.key: kv.value for kv in status.values}
                if key in values and "recovery_node" in status.name:
                    return status, int(values[key])
        return None, -1

    ros.spin_until(lambda: reported("recovery_weights_version")[1] == 5, 10.0, "weights v5")
    weights.publish(corrupt)
    ros.spin_until(
        lambda: reported("recovery_weights_version")[0].level == DiagnosticStatus.WARN,
        10.0,
        "a WARN for the corrupt weights",
    )
    status, version = reported("recovery_weights_version")
    assert "SHA-256" in status.message and version == 5  # the v5 weights stay
    handle = send(ros, client, max_ticks=3)
    result = ros.wait_future(handle.get_result_async(), timeout=10.0)
    assert result.result.outcome == "timeout"
    twist = commands.wait_for(3).twist
    assert twist.linear.x == pytest.approx(0.25, abs=1e-3)  # the v5 policy, not the corrupt v9
    assert commands.messages[0].gripper == 1.0  # it closes the gripper: its regrasp
    # a human correction while the value rises enters the memory file at once
    executed = ros.node.create_publisher(ActionCommand, "/uniintervene/command", qos.COMMANDS)
    ros.wait_for_subscribers(executed)
    for k in range(5):
        critic.value = 0.3 + 0.05 * k
        ros.spin_for(0.15)
        executed.publish(ActionCommand(source=ActionCommand.HUMAN, gripper=0.0))
    critic.value = 0.6
    ros.spin_for(0.25)
    executed.publish(ActionCommand(source=ActionCommand.POLICY))
    ros.spin_until(lambda: reported("corrections_remembered")[1] == 1, 10.0, "a correction")
    memory = InterventionMemory.load(folder / "memory.safetensors")
    assert len(memory) == 2 and memory.values[-1] == pytest.approx(0.6)
    assert len(memory.segments[-1].actions) == 5
