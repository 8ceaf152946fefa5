"""policy_node: the base policy (a mid-training RL policy stand-in) on the simulated cell.

Publishes /uniintervene/policy/command each tick. It learns it was overridden from the
executed /uniintervene/command. With publish_servo_directly it also drives the simulated
arm itself (no supervisor, no safety filter: only for trying out the sim).
"""

import sys

from geometry_msgs.msg import TwistStamped
from rclpy.node import Node
from std_msgs.msg import Float64

from uniintervene_msgs.msg import ActionCommand
from uniintervene_sim import ros_conversions as conv
from uniintervene_sim.base_policy import FAULT_MODES, BasePolicy, BasePolicyConfig
from uniintervene_sim.nodes.common import declare, run
from uniintervene_sim.nodes.scene_listener import SceneListener


class PolicyNode(Node):
    def __init__(self):
        super().__init__("policy_node")
        defaults = BasePolicyConfig()
        config = BasePolicyConfig(
            failure_rate=declare(
                self,
                "failure_rate",
                defaults.failure_rate,
                "probability an episode has an unproductive phase",
                0.0,
                1.0,
            ),
            onset_range=(
                declare(self, "onset_min", defaults.onset_range[0], "earliest onset, s", 0.0, 60.0),
                declare(self, "onset_max", defaults.onset_range[1], "latest onset, s", 0.0, 60.0),
            ),
            refault_probability=declare(
                self,
                "refault_probability",
                defaults.refault_probability,
                "chance of another fault after an override",
                0.0,
                1.0,
            ),
            action_noise=declare(
                self,
                "action_noise",
                defaults.action_noise,
                "std of the twist jitter, m/s and rad/s",
                0.0,
                0.2,
            ),
            modes=tuple(
                declare(
                    self,
                    "modes",
                    list(FAULT_MODES),
                    f"fault modes to draw from: {', '.join(FAULT_MODES)}",
                )
            ),
        )
        self.frame_id = declare(self, "base_frame", "base_link", "frame of the commands")
        self.direct = declare(
            self,
            "publish_servo_directly",
            False,
            "also drive the arm (no supervisor: for trying the sim only)",
        )
        self.policy = BasePolicy(config)
        self.last_time = 0.0
        self.command_pub = self.create_publisher(ActionCommand, "/uniintervene/policy/command", 10)
        if self.direct:
            self.servo_pub = self.create_publisher(TwistStamped, "/servo_node/delta_twist_cmds", 10)
            self.gripper_pub = self.create_publisher(Float64, "/uniintervene/gripper/command", 10)
        self.create_subscription(ActionCommand, "/uniintervene/command", self.on_executed, 10)
        self.listener = SceneListener(self, self.on_scene)

    def on_executed(self, msg: ActionCommand) -> None:
        self.policy.notify_executed(msg.source == ActionCommand.POLICY, self.last_time)

    def on_scene(self, msg, scene, status, restarted) -> None:
        if restarted:
            self.policy.reset(msg.seed, scene.time)
        self.last_time = scene.time
        action = self.policy.act(scene, self.listener.mirror.task.expert)
        command = conv.action_command_msg(
            action, ActionCommand.POLICY, msg.header.stamp, self.frame_id
        )
        self.command_pub.publish(command)
        if self.direct:
            twist = TwistStamped()
            twist.header.stamp, twist.header.frame_id = msg.header.stamp, self.frame_id
            twist.twist = command.twist
            self.servo_pub.publish(twist)
            self.gripper_pub.publish(Float64(data=float(action[6])))


def main(args=None):
    return run(PolicyNode, args)


if __name__ == "__main__":
    sys.exit(main())
