"""reward_node: the real cell's success signal from HiL-SERL's reward classifier.

For each latent the critic publishes (uniintervene/critic/latent) it publishes whether the
task has succeeded (uniintervene/success, std_msgs/Bool): P(success) above the threshold
for `consecutive` frames. supervisor_node ends the episode in success on it, which gives
the learner its sparse reward. Without a model (`uniintervene train-reward` makes one) it
publishes nothing and says so in /diagnostics: the operator's success service
(uniintervene/supervisor/success, e.g. a button in rqt) is then the reward.
"""

import sys

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from std_msgs.msg import Bool

from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters
from uniintervene_learner.reward import RewardClassifier, RewardModelError, SuccessDetector
from uniintervene_learner.schema import REWARD_NODE
from uniintervene_msgs.msg import ControlMode, Latent


class RewardNode(GuardedNode):
    def __init__(self):
        super().__init__("reward_node")
        self.p = declare_parameters(self, REWARD_NODE)
        self.detector, self.problem = None, ""
        try:
            self.detector = SuccessDetector(RewardClassifier.load(self.p.model_path))
        except RewardModelError as error:
            self.problem = f"no reward model ({error}); the operator's success service rewards"
            self.get_logger().warn(self.problem)
        self.frames = self.successes = 0
        self.episode_tick = 0
        self.success_pub = self.create_publisher(Bool, topics.SUCCESS, qos.COMMANDS)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.create_subscription(Latent, topics.LATENT, self.on_latent, qos.COMMANDS)
        self.create_subscription(ControlMode, topics.CONTROL_MODE, self.on_mode, qos.LATCHED)
        self.create_timer(1.0, self.publish_diagnostics)

    def on_mode(self, msg: ControlMode) -> None:
        """A new episode: success must be seen anew."""
        if msg.episode_tick < self.episode_tick and self.detector is not None:
            self.detector.reset()
        self.episode_tick = msg.episode_tick

    def on_latent(self, msg: Latent) -> None:
        if self.detector is None:
            return
        latent = np.asarray(msg.data, np.float32)
        if latent.shape != (self.detector.classifier.config.latent_dim,) or not np.all(
            np.isfinite(latent)
        ):
            self.problem = f"latent of {latent.size} numbers (or non-finite) for this model"
            return
        self.problem = ""
        success = self.detector.step(latent)
        self.frames += 1
        self.successes += success
        self.success_pub.publish(Bool(data=bool(success)))

    def publish_diagnostics(self) -> None:
        values = {
            "model_path": self.p.model_path,
            "frames": self.frames,
            "success_frames": self.successes,
            "probability": round(self.detector.probability, 3) if self.detector else "n/a",
        }
        level = "WARN" if self.problem else "OK"
        message = self.problem or "classifying frames"
        self.diag_pub.publish(diagnostics(self, "uniintervene_learner", level, message, values))


def main(args=None) -> int:
    return run(RewardNode, args)


if __name__ == "__main__":
    sys.exit(main())
