"""actor_node: the learned policy on the robot computer.

At `rate` Hz it maps the critic's latent (uniintervene/critic/latent) and the joint
states to a policy command (uniintervene/policy/command). It takes the learner's weights
(PolicyWeights, transient local) whenever a newer version arrives, refuses corrupt ones
and keeps the last good weights when the learner vanishes. Until it has weights, or while
its inputs are stale, it publishes nothing: the supervisor's policy input goes stale and
it holds.
"""

import sys
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from sensor_msgs.msg import JointState

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters
from uniintervene_learner.schema import ACTOR_NODE
from uniintervene_learner.weights import ActorWeights, PolicyActor, WeightsError
from uniintervene_msgs.msg import ActionCommand, Latent, PolicyWeights


class ActorNode(GuardedNode):
    def __init__(self):
        super().__init__("actor_node")
        self.p = declare_parameters(self, ACTOR_NODE)
        self.actor = PolicyActor()
        self.latent, self.latent_at = None, -np.inf
        self.proprio, self.proprio_at = None, -np.inf
        self.gripper = 0.0
        self.refused, self.published, self.problem = 0, 0, ""
        self.rejected = {"latents": 0, "joint_states": 0}
        self.command_pub = self.create_publisher(
            ActionCommand, topics.COMMAND["policy"], qos.COMMANDS
        )
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.create_subscription(Latent, topics.LATENT, self.on_latent, qos.COMMAND_INPUTS)
        self.create_subscription(JointState, topics.JOINT_STATES, self.on_joints, qos.SENSOR)
        self.create_subscription(PolicyWeights, self.p.weights_topic, self.on_weights, qos.LATCHED)
        self.create_timer(1.0 / self.p.rate, self.tick)
        self.create_timer(1.0, self.publish_diagnostics)

    def on_latent(self, msg: Latent) -> None:
        latent = np.asarray(msg.data, np.float32)
        expected = self.actor.config["obs_dim"] - 7 if self.actor.ready else latent.size
        if latent.size != expected or not np.all(np.isfinite(latent)):
            self.rejected["latents"] += 1  # it goes stale: nothing is published on it
            return
        self.latent, self.latent_at = latent, time.monotonic()

    def on_joints(self, msg: JointState) -> None:
        proprio = conv.proprio_from_joint_state(msg, self.p.gripper_open_width, self.gripper)
        if proprio is None:
            self.rejected["joint_states"] += 1
            return
        self.proprio, self.proprio_at = proprio, time.monotonic()
        self.gripper = float(proprio[6])

    def on_weights(self, msg: PolicyWeights) -> None:
        weights = ActorWeights(int(msg.version), msg.config, msg.sha256, bytes(msg.data))
        try:
            if self.actor.accept(weights):
                self.get_logger().info(f"policy weights v{weights.version}")
                self.problem = ""
        except WeightsError as error:
            self.refused += 1
            self.problem = str(error)
            self.get_logger().error(f"refused weights, keeping v{self.actor.version}: {error}")

    def why_not(self) -> str:
        now = time.monotonic()
        if not self.actor.ready:
            return "waiting for the learner's weights"
        if self.latent is None or now - self.latent_at > self.p.input_timeout:
            return "critic latent stale or missing"
        if self.proprio is None or now - self.proprio_at > self.p.input_timeout:
            return "joint states stale or missing"
        return ""

    def tick(self) -> None:
        if self.why_not():
            return  # nothing valid to say: the supervisor holds on a stale policy input
        try:
            command = self.actor.command(self.latent, self.proprio, self.p.explore)
        except ValueError as error:  # a latent of another size than the weights expect
            self.problem = str(error)
            return
        msg = conv.action_command_msg(
            command, ActionCommand.POLICY, self.get_clock().now().to_msg(), self.p.base_frame
        )
        self.command_pub.publish(msg)
        self.published += 1

    def publish_diagnostics(self) -> None:
        why = self.problem or self.why_not()
        values = {
            "weights_version": self.actor.version,
            "refused_weights": self.refused,
            **{f"rejected_{name}": n for name, n in self.rejected.items()},
            "commands": self.published,
            "explore": self.p.explore,
        }
        level = "ERROR" if self.problem else ("WARN" if why else "OK")
        message = why or f"acting with weights v{self.actor.version}"
        self.diag_pub.publish(diagnostics(self, "uniintervene_learner", level, message, values))


def main(args=None) -> int:
    return run(ActorNode, args)


if __name__ == "__main__":
    sys.exit(main())
