"""operator_node: the simulated HiL-SERL operator at the SpaceMouse.

Watches /uniintervene/sim/task_state; publishes /uniintervene/human/engaged (every tick)
and /uniintervene/human/command (source HUMAN) while it has taken over. Where a supervisor
publishes /uniintervene/control_mode, it takes over only during a supervised episode (a
real operator does not rescue an idle cell; its commands would reach the robot between
episodes, e.g. open the gripper on a freshly reset part); without one it always watches.
"""

import sys

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import Bool

from uniintervene_msgs.msg import ActionCommand, ControlMode
from uniintervene_sim import ros_conversions as conv
from uniintervene_sim.nodes.common import declare, run
from uniintervene_sim.nodes.scene_listener import SceneListener
from uniintervene_sim.operator import OperatorConfig, SimulatedOperator


class OperatorNode(Node):
    def __init__(self):
        super().__init__("operator_node")
        defaults = OperatorConfig()
        config = OperatorConfig(
            patience=declare(
                self,
                "patience",
                defaults.patience,
                "s without progress before taking over",
                0.1,
                60.0,
            ),
            reaction_delay=declare(
                self,
                "reaction_delay",
                defaults.reaction_delay,
                "s from noticing a problem to taking over",
                0.0,
                10.0,
            ),
            min_correction=declare(
                self,
                "min_correction",
                defaults.min_correction,
                "s the operator drives at least",
                0.0,
                60.0,
            ),
            max_correction=declare(
                self,
                "max_correction",
                defaults.max_correction,
                "s the operator drives at most",
                0.1,
                120.0,
            ),
            progress_epsilon=declare(
                self,
                "progress_epsilon",
                defaults.progress_epsilon,
                "smallest progress gain that counts",
                0.0,
                0.5,
            ),
            restore_margin=declare(
                self,
                "restore_margin",
                defaults.restore_margin,
                "progress gain that ends a correction",
                0.0,
                1.0,
            ),
        )
        self.enabled = declare(self, "enabled", True, "false: never take over (watch only)")
        self.frame_id = declare(self, "base_frame", "base_link", "frame of the commands")
        self.operator = SimulatedOperator(config)
        self.engaged_pub = self.create_publisher(Bool, "/uniintervene/human/engaged", 10)
        self.command_pub = self.create_publisher(ActionCommand, "/uniintervene/human/command", 10)
        self.listener = SceneListener(self, self.on_scene)
        self.was_engaged = False
        self.in_episode = None  # None: no supervisor seen, watch always (standalone tryout)
        latched = QoSProfile(
            depth=1,
            reliability=ReliabilityPolicy.RELIABLE,
            durability=DurabilityPolicy.TRANSIENT_LOCAL,
        )
        self.create_subscription(ControlMode, "/uniintervene/control_mode", self.on_mode, latched)

    def on_mode(self, msg: ControlMode) -> None:
        # idle modes have tick 0; the closing message of an episode keeps its last tick
        self.in_episode = msg.episode_tick > 0 and not msg.reason.startswith("episode ended")

    def on_scene(self, msg, scene, status, restarted) -> None:
        if restarted or self.in_episode is False:
            self.operator.reset(scene.time)  # patience starts with the episode
        decision = self.operator.step(scene.time, status, scene, self.listener.mirror.task.expert)
        engaged = decision.engaged and self.enabled
        if engaged != self.was_engaged:
            verb = "takes over" if engaged else "releases"
            self.get_logger().info(
                f"operator {verb} at t={scene.time:.1f} s "
                f"(progress {status.progress:.2f}) {decision.reason}"
            )
            self.was_engaged = engaged
        if engaged:
            self.command_pub.publish(
                conv.action_command_msg(
                    decision.action, ActionCommand.HUMAN, msg.header.stamp, self.frame_id
                )
            )
        self.engaged_pub.publish(Bool(data=engaged))


def main(args=None):
    return run(OperatorNode, args)


if __name__ == "__main__":
    sys.exit(main())
