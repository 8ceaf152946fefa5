"""recovery_node: the Recover action on /uniintervene/recover.

On a goal it retrieves a target from the intervention memory and publishes
/uniintervene/recovery/command (source RECOVERY) every control tick from the recovery
policy, with feedback (value, target value, latent distance). It succeeds when the value
reaches the target's (minus a margin) or the latent comes close; fails on timeout, on no
qualifying target, or on stale critic input (saying why); stops publishing at once when
cancelled. A successful recovery is added to the memory, which is saved atomically.
"""

import sys
import threading
import time

import numpy as np
import rclpy
from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node
from sensor_msgs.msg import JointState

from uniintervene_critic.model import ModelFileError
from uniintervene_msgs.action import Recover
from uniintervene_msgs.msg import ActionCommand, InterventionEvent, Latent, ValueEstimate
from uniintervene_recovery.controller import RecoveryConfig, start_recovery
from uniintervene_recovery.memory import InterventionMemory, MemoryFileError, RetrievalConfig
from uniintervene_recovery.policy import RecoveryPolicy
from uniintervene_sim import ros_conversions as conv
from uniintervene_sim.nodes.common import run

GRIPPER_OPEN_WIDTH = 0.09  # m between the fingers when open (the simulated gripper)


def describe(text, low=None, high=None, integer=False):
    descriptor = ParameterDescriptor(description=text)
    if low is not None and integer:
        descriptor.integer_range = [IntegerRange(from_value=low, to_value=high, step=1)]
    elif low is not None:
        descriptor.floating_point_range = [FloatingPointRange(from_value=low, to_value=high)]
    return descriptor


class RecoveryNode(Node):
    def __init__(self):
        super().__init__("recovery_node")
        p = self.declare_parameter
        self.policy_path = p("policy_path", "models/recovery", describe("policy folder")).value
        self.memory_path = p(
            "memory_path",
            "models/recovery/memory.safetensors",
            describe("intervention memory file"),
        ).value
        self.task = p("task", "", describe("task name to retrieve targets for ('' = any)")).value
        self.period = p("control_period", 0.1, describe("s per control tick", 0.01, 1.0)).value
        self.input_timeout = p(
            "input_timeout", 0.5, describe("s before critic input is stale", 0.05, 10.0)
        ).value
        self.autosave = p(
            "save_memory_on_success", True, describe("add verified recoveries to the memory file")
        ).value
        defaults, retrieval = RecoveryConfig(), RetrievalConfig()
        self.config = RecoveryConfig(
            value_margin=p(
                "value_margin",
                defaults.value_margin,
                describe("success margin below the target value", 0.0, 1.0),
            ).value,
            distance_threshold=p(
                "distance_threshold",
                defaults.distance_threshold,
                describe("success latent distance", 0.0, 100.0),
            ).value,
            max_ticks=p(
                "max_ticks",
                defaults.max_ticks,
                describe("default tick limit", 1, 10000, integer=True),
            ).value,
            use_memory_goal=p(
                "use_memory_goal", True, describe("false: the w/o-memory-goal ablation")
            ).value,
        )
        self.retrieval = RetrievalConfig(
            min_gain=p(
                "min_gain",
                retrieval.min_gain,
                describe("target must beat the current value by this", 0.0, 1.0),
            ).value,
            distance_weight=p(
                "distance_weight",
                retrieval.distance_weight,
                describe("value per latent unit of distance", 0.0, 10.0),
            ).value,
        )
        self.lock = threading.Lock()
        self.latent = self.value = self.proprio = None
        self.latent_at = self.value_at = -np.inf
        self.gripper = 0.0
        self.memory, self.policy, self.problem = None, None, ""
        self.load()
        group = ReentrantCallbackGroup()
        self.command_pub = self.create_publisher(
            ActionCommand, "/uniintervene/recovery/command", 10
        )
        self.event_pub = self.create_publisher(InterventionEvent, "/uniintervene/events", 10)
        self.create_subscription(
            Latent, "/uniintervene/critic/latent", self.on_latent, 10, callback_group=group
        )
        self.create_subscription(
            ValueEstimate, "/uniintervene/critic/value", self.on_value, 10, callback_group=group
        )
        self.create_subscription(
            JointState, "/joint_states", self.on_joints, 10, callback_group=group
        )
        self.server = ActionServer(
            self,
            Recover,
            "/uniintervene/recover",
            execute_callback=self.execute,
            goal_callback=lambda goal: GoalResponse.ACCEPT,
            cancel_callback=lambda handle: CancelResponse.ACCEPT,
            callback_group=group,
        )

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
        with self.lock:
            self.latent, self.latent_at = np.asarray(msg.data, np.float32), time.monotonic()

    def on_value(self, msg: ValueEstimate) -> None:
        with self.lock:
            if msg.valid and np.isfinite(msg.state_value):
                self.value, self.value_at = float(msg.state_value), time.monotonic()

    def on_joints(self, msg: JointState) -> None:
        arm = conv.arm_positions_from_joint_state(msg)
        if arm is None:
            return
        gripper = conv.gripper_closure_from_joint_state(msg, GRIPPER_OPEN_WIDTH)
        self.gripper = self.gripper if gripper is None else gripper
        with self.lock:
            self.proprio = np.array([*arm, self.gripper], np.float32)

    def inputs(self):
        """(latent, value, proprio) or (None, why) when stale or missing."""
        with self.lock:
            now = time.monotonic()
            if self.latent is None or now - self.latent_at > self.input_timeout:
                return None, "critic latent stale or missing"
            if self.value is None or now - self.value_at > self.input_timeout:
                return None, "critic value stale, invalid or missing"
            proprio = self.proprio if self.proprio is not None else np.zeros(7, np.float32)
            return (self.latent.copy(), self.value, proprio.copy()), ""

    def finish(self, handle, outcome: str, success: bool, value: float, ticks: int, target_id=""):
        result = Recover.Result(
            success=success,
            outcome=outcome,
            final_value=float(value),
            ticks=ticks,
            target_id=target_id,
        )
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
        recovery, why = start_recovery(
            self.memory, self.policy, self.config, latent, value, self.task, goal.max_ticks
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
                if tick.success:
                    self.remember(recovery, latent, value)
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

    def remember(self, recovery, latent, value) -> None:
        self.memory.add(
            latent, value, self.task or "any", "online", time.time() % 1e6, recovery.segment()
        )
        if self.autosave:
            try:
                self.memory.save(self.memory_path)
            except OSError as error:
                self.get_logger().error(f"could not save the memory: {error}")


def main(args=None) -> int:
    return run(RecoveryNode, args, lambda: MultiThreadedExecutor(num_threads=3))


if __name__ == "__main__":
    sys.exit(main())
