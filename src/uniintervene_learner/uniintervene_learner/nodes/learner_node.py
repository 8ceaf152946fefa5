"""learner_node: SAC with RLPD trained asynchronously from the cells' transitions.

Subscribes to every topic in `transition_topics` (one per cell: many cells, one learner,
all over DDS), stores each transition (gaps in a stream's sequence numbers are counted and
reported), trains on its own thread at `updates_per_transition`, publishes the actor's
weights on `weights_topic` (transient local, with version and SHA-256) every
`publish_every_updates`, flushes the buffers every `flush_period` and checkpoints every
`checkpoint_every_updates` and on shutdown. Restarted on the same `data_dir` it resumes:
every flushed transition, the networks, optimisers, temperature and counters.
"""

import sys
import threading
import time

import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.executors import MultiThreadedExecutor

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters, fields_of
from uniintervene_learner.action_space import task_action_space
from uniintervene_learner.learner import Learner, LearnerConfig
from uniintervene_learner.sac import SACConfig
from uniintervene_learner.schema import LEARNER_NODE
from uniintervene_msgs.msg import PolicyWeights, Transition


def transition_fields(msg: Transition) -> dict:
    return {
        "stream": msg.stream,
        "sequence": int(msg.sequence),
        "source": int(msg.executed.source),
        "latent": np.asarray(msg.latent, np.float32),
        "proprio": np.asarray(msg.proprio, np.float32),
        "executed": conv.command_array(msg.executed),
        "reward": float(msg.reward),
        "done": bool(msg.done),
        "next_latent": np.asarray(msg.next_latent, np.float32),
        "next_proprio": np.asarray(msg.next_proprio, np.float32),
    }


class LearnerNode(GuardedNode):
    def __init__(self):
        super().__init__("learner_node")
        self.p = p = declare_parameters(self, LEARNER_NODE)
        sac = SACConfig(**{**fields_of(p, SACConfig), "hidden": tuple(p.hidden)})
        config = LearnerConfig(
            **{k: v for k, v in fields_of(p, LearnerConfig).items() if k not in ("sac", "action")},
            sac=sac,
            action=task_action_space(p.task, p.action_spaces_file),
        )
        device = None if p.device == "auto" else p.device
        self.learner = Learner(p.data_dir, config, device)
        self.lock = threading.Lock()  # buffers and counters: callbacks vs the training thread
        self.problem = self.learner.problem  # e.g. the latest checkpoint was unreadable
        if self.problem:
            self.get_logger().warn(self.problem)
        self.weights_pub = self.create_publisher(PolicyWeights, p.weights_topic, qos.LATCHED)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        inputs = MutuallyExclusiveCallbackGroup()
        for topic in p.transition_topics:
            self.create_subscription(
                Transition, topic, self.on_transition, qos.TRANSITIONS, callback_group=inputs
            )
        self.create_timer(p.flush_period, self.flush, callback_group=inputs)
        self.create_timer(
            1.0, self.publish_diagnostics, callback_group=MutuallyExclusiveCallbackGroup()
        )
        self.rate = (time.monotonic(), self.learner.updates, 0.0)  # for updates/s
        self.published_version = -1
        # at once: the initial policy starts collecting online data (as HiL-SERL's actor
        # does), a resumed one goes on where it stopped
        self.publish_weights()
        status = self.learner.status()
        self.get_logger().info(
            f"learning {p.task} on {self.learner.agent.device} from {list(p.transition_topics)}; "
            f"resumed {status['prior_transitions']} prior + {status['online_transitions']} "
            f"online transitions, {status['updates']} updates ({p.data_dir})"
        )
        self.running = True
        self.trainer = threading.Thread(target=self.train, name="learner", daemon=True)
        self.trainer.start()

    def on_transition(self, msg: Transition) -> None:
        try:
            with self.lock:
                lost = self.learner.ingest(transition_fields(msg))
        except ValueError as error:
            self.problem = str(error)
            self.get_logger().error(f"transition refused: {error}", throttle_duration_sec=5.0)
            return
        if lost:
            self.get_logger().warn(
                f"{lost} transitions of {msg.stream} lost before #{msg.sequence}"
            )

    def flush(self) -> None:
        with self.lock:
            self.learner.flush()

    def train(self) -> None:
        while self.running and rclpy.ok():
            try:
                trained = self.train_once()
            except Exception as error:  # noqa: BLE001 (a failed update or write: go on)
                self.callback_faults["training"] = self.callback_faults.get("training", 0) + 1
                self.problem = f"training failed: {type(error).__name__}: {error}"
                self.get_logger().error(self.problem, throttle_duration_sec=5.0)
                trained = False
            if not trained:
                time.sleep(0.01)

    def train_once(self) -> bool:
        """One learner iteration when one is due (then weights and checkpoints on their
        schedule); False when none is."""
        p = self.p
        with self.lock:
            batch = self.learner.sample() if self.learner.due() else None
        if batch is None:
            return False
        self.learner.update(batch)  # the networks are this thread's alone
        updates = self.learner.updates
        if updates % p.publish_every_updates == 0:
            self.publish_weights()
        if updates % p.checkpoint_every_updates == 0:
            with self.lock:
                self.learner.save()
        return True

    def publish_weights(self) -> None:
        weights = self.learner.weights()
        msg = PolicyWeights(
            version=weights.version,
            config=weights.config,
            sha256=weights.sha256,
            data=weights.data,
        )
        msg.header.stamp = self.get_clock().now().to_msg()
        self.weights_pub.publish(msg)
        self.published_version = weights.version

    def publish_diagnostics(self) -> None:
        with self.lock:
            status = self.learner.status()
        now = time.monotonic()
        started, updates_then, last_rate = self.rate
        rate = (status["updates"] - updates_then) / max(now - started, 1e-6)
        self.rate = (now, status["updates"], rate)
        values = {
            **status,
            "updates_per_second": round(rate, 1),
            "weights_version": self.published_version,
            "device": str(self.learner.agent.device),
        }
        waiting = len(self.learner) < self.learner.config.warmup_transitions
        level = "WARN" if status["lost_transitions"] or self.problem else "OK"
        message = self.problem or (
            f"warming up ({len(self.learner)}/{self.learner.config.warmup_transitions})"
            if waiting
            else f"training, {rate:.0f} updates/s"
        )
        if status["lost_transitions"] and not self.problem:
            message = f"{status['lost_transitions']} transitions lost; {message}"
        self.diag_pub.publish(diagnostics(self, "uniintervene_learner", level, message, values))

    def stop_training(self) -> None:
        self.running = False
        if self.trainer.is_alive():
            self.trainer.join(timeout=10.0)

    def destroy_node(self) -> None:
        self.stop_training()
        super().destroy_node()


def save_on_exit(node: LearnerNode) -> None:
    """Ctrl-C: stop training, then checkpoint everything (nothing lost)."""
    node.stop_training()
    with node.lock:
        node.learner.save()


def main(args=None) -> int:
    # Two threads for callbacks: transitions keep arriving during a flush or diagnostics.
    return run(LearnerNode, args, lambda: MultiThreadedExecutor(2), save_on_exit)


if __name__ == "__main__":
    sys.exit(main())
