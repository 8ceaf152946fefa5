"""learner_node and actor_node as separate processes over DDS: the actor stays silent
until it has weights, then acts with each newer version the learner publishes; a learner
killed with SIGKILL restarts with every flushed transition, its last checkpoint and its
stream counters."""

import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState

from uniintervene_common import conversions as conv
from uniintervene_common import qos
from uniintervene_learner.weights import ActorWeights, PolicyActor
from uniintervene_msgs.msg import ActionCommand, Latent, PolicyWeights, Transition

pytestmark = pytest.mark.ros
LATENT = 8
HUMAN, POLICY = ActionCommand.HUMAN, ActionCommand.POLICY
LATCHED_DEEP = QoSProfile(
    depth=100, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL
)


def learner_params(tmp_path, **extra) -> dict:
    return {
        "task": "pick_eggplant",
        "data_dir": str(tmp_path / "learner"),
        "latent_dim": LATENT,
        "capacity": 5000,
        "warmup_transitions": 50,
        "publish_every_updates": 20,
        "checkpoint_every_updates": 40,
        "flush_period": 0.2,
        "hidden": [32, 32],
        "batch_size": 32,
        **extra,
    }


def transition(sequence: int, stream: str = "/test_cell@1") -> Transition:
    rng = np.random.default_rng(sequence)
    msg = Transition(
        stream=stream,
        sequence=sequence,
        episode_id=f"{stream}/0",
        tick=sequence,
        task="pick_eggplant",
        latent=rng.normal(size=LATENT).astype(np.float32).tolist(),
        proprio=rng.normal(size=7).astype(np.float32).tolist(),
        reward=float(sequence % 25 == 24),
        done=sequence % 25 == 24,
        next_latent=rng.normal(size=LATENT).astype(np.float32).tolist(),
        next_proprio=rng.normal(size=7).astype(np.float32).tolist(),
    )
    msg.executed.source = HUMAN if sequence % 2 else POLICY
    msg.executed.twist.linear.x = float(rng.uniform(-0.1, 0.1))
    msg.executed.gripper = float(rng.uniform())
    return msg


def send_transitions(ros, publisher, sequences) -> None:
    for i, sequence in enumerate(sequences):
        publisher.publish(transition(sequence))
        if i % 50 == 49:
            ros.spin_for(0.05)  # a burst, not a flood: the queue is deep, not endless


class LearnerStatus:
    def __init__(self, ros):
        self.probe = ros.probe(DiagnosticArray, "/diagnostics", 100)

    def latest(self) -> dict:
        for msg in reversed(self.probe.messages):
            for status in msg.status:
                if status.name == "uniintervene_learner: learner_node":
                    return {kv.key: kv.value for kv in status.values}
        return {}

    def number(self, key: str) -> float:
        value = self.latest().get(key)
        return float(value) if value is not None else -1.0


def test_the_actor_waits_for_weights_then_acts_with_each_newer_version(ros, start_node, tmp_path):
    start_node("uniintervene_learner", "actor_node", params={"explore": False})
    node = ros.node
    transitions = node.create_publisher(Transition, "/uniintervene/transitions", qos.TRANSITIONS)
    latent_pub = node.create_publisher(Latent, "/uniintervene/critic/latent", 10)
    joints_pub = node.create_publisher(JointState, "/joint_states", 10)
    latent = np.linspace(-1, 1, LATENT).astype(np.float32)
    arm, fingers = [0.1, -1.2, 1.5, -1.9, -1.57, 0.3], [0.02, 0.02]
    stamp = conv.time_msg(0.0)
    joints = conv.joint_state_msg(arm, [0.0] * 6, fingers, stamp)
    proprio = conv.proprio_from_joint_state(joints, 0.09, 0.0)

    def publish_inputs():
        latent_pub.publish(Latent(encoder="sim_cnn", data=latent.tolist()))
        joints_pub.publish(joints)

    node.create_timer(0.1, publish_inputs)
    commands = ros.probe(ActionCommand, "/uniintervene/policy/command", 100)
    weights = ros.probe(PolicyWeights, "/uniintervene/policy/weights", LATCHED_DEEP)
    ros.wait_for_subscribers(latent_pub, timeout=30.0)
    ros.spin_for(1.5)
    assert commands.messages == []  # no weights: nothing for the supervisor to execute
    learner = start_node("uniintervene_learner", "learner_node", params=learner_params(tmp_path))
    ros.wait_for_subscribers(transitions, timeout=30.0)
    ros.spin_until(lambda: commands.messages, 30.0, "commands of the initial weights (v0)")
    send_transitions(ros, transitions, range(150))
    ros.spin_until(lambda: len({w.version for w in weights.messages}) >= 4, 60.0, "4 versions")
    ros.spin_for(1.0)
    assert learner.is_alive()
    versions = sorted({w.version for w in weights.messages})
    assert versions[0] == 0 and all(v % 20 == 0 for v in versions), versions  # every 20
    # each command is what one of the published versions computes for these inputs
    expected = {}
    for msg in weights.messages:
        actor = PolicyActor()
        actor.accept(ActorWeights(msg.version, msg.config, msg.sha256, bytes(msg.data)))
        expected[msg.version] = actor.command(latent, proprio, explore=False)
    received = [conv.command_array(m) for m in commands.messages]
    assert received, "the actor never acted"
    matched = {
        version
        for command in received
        for version, wanted in expected.items()
        if np.allclose(command, wanted, atol=1e-5)
    }
    unmatched = [
        c for c in received if not any(np.allclose(c, w, atol=1e-5) for w in expected.values())
    ]
    assert not unmatched
    assert len(matched) >= 2, "the actor's output did not follow the new weights"
    assert len({tuple(np.round(w, 6)) for w in expected.values()}) >= 2


def test_a_sigkilled_learner_resumes_transitions_checkpoint_and_stream(ros, start_node, tmp_path):
    status = LearnerStatus(ros)
    params = learner_params(tmp_path)
    learner = start_node("uniintervene_learner", "learner_node", params=params)
    transitions = ros.node.create_publisher(
        Transition, "/uniintervene/transitions", qos.TRANSITIONS
    )
    ros.wait_for_subscribers(transitions, timeout=30.0)
    send_transitions(ros, transitions, range(300))
    # warm-up 50, one update per stored transition past it: 251 updates, then idle
    ros.spin_until(lambda: status.number("updates") == 251, 120.0, "251 updates")
    stored = status.number("prior_transitions") + status.number("online_transitions")
    assert stored == 300 and status.number("lost_transitions") == 0
    ros.spin_for(0.6)  # past a flush period
    learner.kill()
    status.probe.clear()
    weights = ros.probe(PolicyWeights, "/uniintervene/policy/weights", LATCHED_DEEP)
    start_node("uniintervene_learner", "learner_node", params=params)
    ros.spin_until(status.latest, 30.0, "the restarted learner's diagnostics")
    after = status.latest()
    assert int(after["prior_transitions"]) + int(after["online_transitions"]) == 300
    # from the last checkpoint (every 40 updates), then on to the 251 that are due
    assert 240 <= int(after["updates"]) <= 251
    ros.spin_until(lambda: weights.messages, 10.0, "the resumed weights")
    assert weights.messages[0].version == 240  # published at once for waiting actors
    ros.spin_until(lambda: status.number("updates") == 251, 30.0, "the due updates")
    send_transitions(ros, transitions, range(300, 310))  # the same stream goes on
    ros.spin_until(lambda: status.number("updates") == 261, 30.0, "10 more updates")
    assert status.number("lost_transitions") == 0  # the stream's counter was restored
    send_transitions(ros, transitions, range(320, 321))
    ros.spin_until(lambda: status.number("lost_transitions") == 10, 10.0, "a gap of 10")


def test_reward_node_says_success_after_consecutive_goal_frames(ros, start_node, tmp_path):
    from std_msgs.msg import Bool

    from uniintervene_learner.reward import RewardConfig, train_reward_classifier

    rng = np.random.default_rng(0)
    episodes = []
    for i in range(8):  # the goal: latent dimension 0 high at a success's end
        latents = rng.normal(0, 0.3, (30, LATENT)).astype(np.float32)
        if i % 2:
            latents[-6:, 0] += 3.0
        episodes.append((latents, bool(i % 2)))
    config = RewardConfig(latent_dim=LATENT, hidden=16, consecutive=3)
    train_reward_classifier(episodes, config, steps=800).save(tmp_path / "reward")
    start_node(
        "uniintervene_learner", "reward_node", params={"model_path": str(tmp_path / "reward")}
    )
    latents = ros.node.create_publisher(Latent, "/uniintervene/critic/latent", 10)
    success = ros.probe(Bool, "/uniintervene/success", 100)
    ros.wait_for_subscribers(latents, timeout=30.0)
    ros.spin_for(0.5)
    far, goal = np.zeros(LATENT), np.r_[3.0, np.zeros(LATENT - 1)]
    for latent in (far, far, goal, far, goal, goal, goal):
        latents.publish(Latent(encoder="sim_cnn", data=latent.astype(np.float32).tolist()))
        ros.spin_for(0.1)
    success.wait_for(count=7, timeout=10.0)
    assert [m.data for m in success.messages] == [False] * 6 + [True]
