"""recovery_node: the Recover action on /uniintervene/recover.

On a goal it retrieves a target from the intervention memory and publishes
/uniintervene/recovery/command (source RECOVERY) every control tick from the recovery
policy, with feedback (value, target value, latent distance). It succeeds when the value
reaches the target's (minus a margin) or the latent comes close; fails on timeout, on no
qualifying target, or on stale critic input (saying why); stops publishing at once when
cancelled. A successful recovery is added to the memory, which is saved atomically, and so
is every human correction whose value rose (from the executed commands' source and the
critic's stream). New recovery weights from the learner side (recovery_learner_node, on
`weights_topic`) are checked and swapped in between recoveries, never during one.
"""

import sys
import threading
import time

import numpy as np
import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import MultiThreadedExecutor
from sensor_msgs.msg import JointState

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters, fields_of
from uniintervene_critic.model import ModelFileError
from uniintervene_msgs.action import Recover
from uniintervene_msgs.msg import (
    ActionCommand,
    InterventionEvent,
    Latent,
    PolicyWeights,
    ValueEstimate,
)
from uniintervene_recovery.controller import RecoveryConfig, start_recovery
from uniintervene_recovery.memory import InterventionMemory, MemoryFileError, RetrievalConfig
from uniintervene_recovery.online import (
    CorrectionRecorder,
    correction_action,
    remember_correction,
)
from uniintervene_recovery.policy import RecoveryPolicy
from uniintervene_recovery.schema import RECOVERY_NODE
from uniintervene_recovery.weights import RecoveryWeights, RecoveryWeightsError, unpack_recovery


class RecoveryNode(GuardedNode):
    def __init__(self):
        super().__init__("recovery_node")
        self.p = declare_parameters(self, RECOVERY_NODE, on_change=self.on_parameters)
        self.policy_path, self.memory_path = self.p.policy_path, self.p.memory_path
        self.task, self.period = self.p.task, self.p.control_period
        self.config = RecoveryConfig(**fields_of(self.p, RecoveryConfig))
        self.retrieval = RetrievalConfig(**fields_of(self.p, RetrievalConfig))
        self.lock = threading.Lock()
        self.latent = self.value = self.proprio = None
        self.latent_at = self.value_at = -np.inf
        self.gripper = 0.0
        self.memory, self.policy, self.problem = None, None, ""
        self.rejected_latents, self.outcomes = 0, {}
        self.memory_lock = threading.Lock()  # retrieval (a goal) vs additions (callbacks)
        self.pending_policy, self.weights_version, self.weights_problem = None, -1, ""
        self.corrections = CorrectionRecorder()
        self.corrections_remembered = 0
        self.load()
        group = ReentrantCallbackGroup()
        self.command_pub = self.create_publisher(
            ActionCommand, topics.COMMAND["recovery"], qos.COMMANDS
        )
        self.event_pub = self.create_publisher(InterventionEvent, topics.EVENTS, 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.create_timer(1.0, self.publish_diagnostics, callback_group=group)
        inputs = qos.COMMAND_INPUTS  # deep: a burst while a recovery tick runs is still counted
        self.create_subscription(
            Latent, topics.LATENT, self.on_latent, inputs, callback_group=group
        )
        self.create_subscription(
            ValueEstimate, topics.VALUE, self.on_value, 10, callback_group=group
        )
        self.create_subscription(
            JointState, topics.JOINT_STATES, self.on_joints, 10, callback_group=group
        )
        self.create_subscription(
            ActionCommand, topics.EXECUTED, self.on_executed, inputs, callback_group=group
        )
        if self.p.weights_topic:
            self.create_subscription(
                PolicyWeights, self.p.weights_topic, self.on_weights, qos.LATCHED,
                callback_group=group,
            )  # fmt: skip
        self.server = ActionServer(
            self,
            Recover,
            topics.RECOVER,
            execute_callback=self.execute,
            goal_callback=lambda goal: GoalResponse.ACCEPT,
            cancel_callback=lambda handle: CancelResponse.ACCEPT,
            callback_group=group,
        )

    def on_parameters(self, names) -> None:
        """Run-time changes apply from the next Recover goal."""
        self.config = RecoveryConfig(**fields_of(self.p, RecoveryConfig))

    def load(self) -> None:
        try:
            self.policy = RecoveryPolicy.load(self.policy_path)
            self.memory = InterventionMemory.load(
                self.memory_path, self.policy.config.latent_dim, self.retrieval
            )
            self.problem = ""
            self.get_logger().info(f"memory: {len(self.memory)} entries from {self.memory_path}")
        except (ModelFileError, MemoryFileError) as error:
            self.problem = str(error)
            self.get_logger().error(f"recovery unavailable: {error}")

    def on_latent(self, msg: Latent) -> None:
        memory = self.memory
        if memory is not None and memory.encoder and msg.encoder != memory.encoder:
            self.get_logger().error(
                f"latents of {msg.encoder!r} but the memory holds {memory.encoder!r} latents: "
                "not recovering on them",
                throttle_duration_sec=5.0,
            )
            return  # stale latent: goals fail with invalid_input, never a wrong target
        latent = np.asarray(msg.data, np.float32)
        wanted = self.policy.config.latent_dim if self.policy is not None else latent.size
        if latent.size != wanted or not np.all(np.isfinite(latent)):
            self.rejected_latents += 1  # it goes stale: a goal fails with invalid_input
            return
        with self.lock:
            self.latent, self.latent_at = latent, time.monotonic()

    def on_value(self, msg: ValueEstimate) -> None:
        with self.lock:
            if msg.valid and np.isfinite(msg.state_value):
                self.value, self.value_at = float(msg.state_value), time.monotonic()

    def on_joints(self, msg: JointState) -> None:
        proprio = conv.proprio_from_joint_state(msg, self.p.gripper_open_width, self.gripper)
        if proprio is None:
            return
        self.gripper = float(proprio[6])  # the last measured closure, without fingers
        with self.lock:
            self.proprio = proprio

    def on_weights(self, msg: PolicyWeights) -> None:
        """Checked now, used from the next Recover goal on (never mid-recovery)."""
        if msg.version <= self.weights_version:
            return
        weights = RecoveryWeights(msg.version, msg.config, msg.sha256, bytes(msg.data))
        wanted = self.policy.config.latent_dim if self.policy is not None else None
        try:
            policy = unpack_recovery(weights, wanted)
        except RecoveryWeightsError as error:
            self.weights_problem = str(error)
            self.get_logger().error(f"recovery weights refused: {error}")
            return
        with self.lock:
            self.pending_policy, self.weights_version = policy, int(msg.version)
            self.weights_problem = ""

    def on_executed(self, msg: ActionCommand) -> None:
        """Human corrections, cut from what the supervisor executed: one whose value rose
        enters the memory at once (and is saved)."""
        if not self.p.remember_corrections or self.memory is None:
            return
        current, _ = self.inputs()
        if current is None:
            self.corrections = CorrectionRecorder()  # a gap: that correction is not trusted
            return
        latent, value, proprio = current
        action = correction_action(conv.command_array(msg), proprio)
        human = msg.source == ActionCommand.HUMAN
        correction = self.corrections.observe(human, latent, value, proprio, action)
        if correction is None:
            return
        with self.memory_lock:
            added = remember_correction(
                self.memory, correction, self.task or "any", "human", time.time() % 1e6
            )
        if added:
            self.corrections_remembered += 1
            self.save_memory()

    def inputs(self):
        """(latent, value, proprio) or (None, why) when stale or missing."""
        with self.lock:
            now = time.monotonic()
            if self.latent is None or now - self.latent_at > self.p.input_timeout:
                return None, "critic latent stale or missing"
            if self.value is None or now - self.value_at > self.p.input_timeout:
                return None, "critic value stale, invalid or missing"
            proprio = self.proprio if self.proprio is not None else np.zeros(7, np.float32)
            return (self.latent.copy(), self.value, proprio.copy()), ""

    def publish_diagnostics(self) -> None:
        values = {
            "memory_entries": len(self.memory) if self.memory is not None else 0,
            "rejected_latents": self.rejected_latents,
            "corrections_remembered": self.corrections_remembered,
            "recovery_weights_version": self.weights_version,
            **{f"outcome_{name}": n for name, n in self.outcomes.items()},
        }
        level = "ERROR" if self.problem else ("WARN" if self.weights_problem else "OK")
        message = self.problem or self.weights_problem or "ready"
        self.diag_pub.publish(diagnostics(self, "uniintervene_recovery", level, message, values))

    def finish(self, handle, outcome: str, success: bool, value: float, ticks: int, target_id=""):
        result = Recover.Result(
            success=success,
            outcome=outcome,
            final_value=float(value),
            ticks=ticks,
            target_id=target_id,
        )
        name = outcome.split(":", maxsplit=1)[0]
        self.outcomes[name] = self.outcomes.get(name, 0) + 1
        kind = (
            InterventionEvent.RECOVERY_SUCCEEDED if success else InterventionEvent.RECOVERY_FAILED
        )
        self.event_pub.publish(
            InterventionEvent(kind=kind, value=float(value), risk=float("nan"), detail=outcome)
        )
        if success:
            handle.succeed()
        else:
            handle.abort()
        return result

    def execute(self, handle):
        goal = handle.request
        if self.memory is None or self.policy is None:
            return self.finish(handle, f"no_target: {self.problem}", False, float("nan"), 0)
        current, why = self.inputs()
        if current is None:
            return self.finish(handle, f"invalid_input: {why}", False, float("nan"), 0)
        latent, value, proprio = current
        task = goal.task or self.task  # the episode's task: never another task's target
        with self.lock:  # between recoveries: the learner side's newest weights
            if self.pending_policy is not None:
                self.policy, self.pending_policy = self.pending_policy, None
        with self.memory_lock:
            recovery, why = start_recovery(
                self.memory, self.policy, self.config, latent, value, task, goal.max_ticks
            )
        if recovery is None:
            return self.finish(handle, f"no_target: {why}", False, value, 0)
        self.get_logger().info(
            f"recovering ({goal.reason}) toward {recovery.target.entry_id}, "
            f"value {value:.2f} -> {recovery.target.value:.2f}"
        )
        next_tick = time.monotonic()
        while True:
            if handle.is_cancel_requested or not rclpy.ok():
                handle.canceled()
                return Recover.Result(
                    success=False,
                    outcome="canceled",
                    final_value=value,
                    ticks=recovery.ticks,
                    target_id=recovery.target.entry_id,
                )
            current, why = self.inputs()
            if current is None:
                return self.finish(
                    handle,
                    f"invalid_input: {why}",
                    False,
                    value,
                    recovery.ticks,
                    recovery.target.entry_id,
                )
            latent, value, proprio = current
            tick = recovery.step(latent, value, proprio)
            if tick.done:
                if tick.success and recovery.ticks:  # one that acted: it has a segment
                    self.remember(recovery, latent, value, task)
                return self.finish(
                    handle,
                    tick.outcome,
                    tick.success,
                    value,
                    recovery.ticks,
                    recovery.target.entry_id,
                )
            if handle.is_cancel_requested:  # checked again right before publishing
                continue
            command = ActionCommand(source=ActionCommand.RECOVERY, gripper=float(tick.action[6]))
            command.header.stamp = self.get_clock().now().to_msg()
            command.header.frame_id = "base_link"
            t = command.twist
            t.linear.x, t.linear.y, t.linear.z = (float(v) for v in tick.action[:3])
            t.angular.x, t.angular.y, t.angular.z = (float(v) for v in tick.action[3:6])
            self.command_pub.publish(command)
            handle.publish_feedback(
                Recover.Feedback(
                    value=value, target_value=recovery.target.value, distance=tick.distance
                )
            )
            next_tick += self.period
            while time.monotonic() < next_tick and not handle.is_cancel_requested:
                time.sleep(0.005)

    def remember(self, recovery, latent, value, task: str) -> None:
        with self.memory_lock:
            self.memory.add(
                latent, value, task or "any", "online", time.time() % 1e6, recovery.segment()
            )
        self.save_memory()

    def save_memory(self) -> None:
        if self.p.save_memory_on_success:
            try:
                with self.memory_lock:
                    self.memory.save(self.memory_path)
            except OSError as error:
                self.get_logger().error(f"could not save the memory: {error}")


def main(args=None) -> int:
    return run(RecoveryNode, args, lambda: MultiThreadedExecutor(num_threads=3))


if __name__ == "__main__":
    sys.exit(main())
