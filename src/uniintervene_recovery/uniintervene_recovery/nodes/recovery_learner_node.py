"""recovery_learner_node: the recovery policy learns online, beside SAC's learner_node.

Subscribes to every topic in `transition_topics` (the cells' transitions, as learner_node
does), remembers each human or recovery span whose value rose (the critic's V of its
latents), trains the goal-conditioned recovery policy on the memory's segments every
`train_period`, publishes its weights on `weights_topic` (PolicyWeights: transient local,
version + SHA-256) every `publish_every_updates`, and saves the memory and policy to
`data_dir` every `save_period`, when a correction is remembered, and on shutdown.
Restarted on the same `data_dir` it resumes both.
"""

import sys

import numpy as np
import torch
from diagnostic_msgs.msg import DiagnosticArray

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters
from uniintervene_critic.model import CriticBundle, ModelFileError
from uniintervene_msgs.msg import PolicyWeights, Transition
from uniintervene_recovery.memory import MemoryFileError
from uniintervene_recovery.recovery_learner import RecoveryLearner
from uniintervene_recovery.schema import RECOVERY_LEARNER_NODE
from uniintervene_recovery.weights import pack_recovery


def transition_fields(msg: Transition) -> dict:
    return {
        "stream": msg.stream,
        "episode_id": msg.episode_id,
        "task": msg.task,
        "source": int(msg.executed.source),
        "latent": np.asarray(msg.latent, np.float32),
        "proprio": np.asarray(msg.proprio, np.float32),
        "executed": conv.command_array(msg.executed),
        "next_latent": np.asarray(msg.next_latent, np.float32),
        "done": bool(msg.done),
        "truncated": bool(msg.truncated),
    }


class RecoveryLearnerNode(GuardedNode):
    def __init__(self):
        super().__init__("recovery_learner_node")
        self.p = p = declare_parameters(self, RECOVERY_LEARNER_NODE)
        self.problem, self.published_version = "", -1
        self.weights_pub = self.create_publisher(PolicyWeights, p.weights_topic, qos.LATCHED)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.create_timer(1.0, self.publish_diagnostics)
        try:
            self.learner = self.load()
        except (ModelFileError, MemoryFileError) as error:  # said in diagnostics, not a crash
            self.learner, self.problem = None, f"recovery learning unavailable: {error}"
            self.get_logger().error(self.problem)
            return
        for topic in p.transition_topics:
            self.create_subscription(Transition, topic, self.on_transition, qos.TRANSITIONS)
        self.create_timer(p.train_period, self.train)
        self.create_timer(p.save_period, self.save)
        self.publish_weights()  # at once: a recovery_node that starts later gets them too
        status = self.learner.status()
        self.get_logger().info(
            f"learning recoveries from {list(p.transition_topics)}: memory "
            f"{status['memory_entries']} entries, {status['recovery_updates']} updates "
            f"({'resumed from ' if self.learner.resumed else 'saving to '}{p.data_dir})"
        )

    def load(self) -> RecoveryLearner:
        p = self.p
        # only the value head is used: a V-JEPA 2 bundle is never downloaded here
        critic = CriticBundle.load(p.critic_path, heads_only=True).model

        @torch.no_grad()
        def value_of(latent) -> float:
            return float(critic.value(torch.as_tensor(latent).view(1, -1)).item())

        return RecoveryLearner(
            p.data_dir, p.policy_path, p.memory_path, value_of, p.task, p.learning_rate,
            p.batch_size, p.seed, p.min_improvement,
        )  # fmt: skip

    def on_transition(self, msg: Transition) -> None:
        try:
            remembered = self.learner.ingest(transition_fields(msg))
        except ValueError as error:
            self.problem = f"transition refused: {error}"
            self.get_logger().error(self.problem, throttle_duration_sec=5.0)
            return
        if remembered:
            self.save()  # a verified correction is never lost

    def train(self) -> None:
        before = self.learner.version
        if self.learner.update(self.p.updates_per_tick) is None:
            return  # nothing in the memory to learn from yet
        every = self.p.publish_every_updates
        if self.learner.version // every > before // every:
            self.publish_weights()

    def publish_weights(self) -> None:
        weights = pack_recovery(self.learner.policy, self.learner.version)
        msg = PolicyWeights(
            version=weights.version, config=weights.config, sha256=weights.sha256,
            data=weights.data,
        )  # fmt: skip
        msg.header.stamp = self.get_clock().now().to_msg()
        self.weights_pub.publish(msg)
        self.published_version = weights.version

    def save(self) -> None:
        if self.learner is None:
            return
        try:
            self.learner.save()
        except OSError as error:
            self.problem = f"could not save to {self.p.data_dir}: {error}"
            self.get_logger().error(self.problem, throttle_duration_sec=5.0)

    def publish_diagnostics(self) -> None:
        status = self.learner.status() if self.learner is not None else {}
        values = {**status, "weights_version": self.published_version}
        level = "ERROR" if self.learner is None else ("WARN" if self.problem else "OK")
        message = self.problem or f"{values['recovery_updates']} updates"
        self.diag_pub.publish(diagnostics(self, "uniintervene_recovery", level, message, values))


def main(args=None) -> int:
    # Ctrl-C: the memory and policy are saved before the node goes
    return run(RecoveryLearnerNode, args, before_shutdown=lambda node: node.save())


if __name__ == "__main__":
    sys.exit(main())
