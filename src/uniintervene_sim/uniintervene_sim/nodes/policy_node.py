"""policy_node: the base policy (a mid-training RL policy stand-in) on the simulated cell.

Publishes /uniintervene/policy/command each tick. Its faults end when the arm has been
moved out of their region (base_policy), whoever moved it: it needs only the task state.
With publish_servo_directly it also drives the simulated arm itself (no supervisor, no
safety filter: only for trying out the sim).
"""

import sys

from geometry_msgs.msg import TwistStamped
from std_msgs.msg import Float64

from uniintervene_common import conversions as conv
from uniintervene_common import topics
from uniintervene_common.node import GuardedNode, run
from uniintervene_common.params import declare_parameters, fields_of
from uniintervene_msgs.msg import ActionCommand
from uniintervene_sim.base_policy import BasePolicy, BasePolicyConfig
from uniintervene_sim.nodes.scene_listener import SceneListener
from uniintervene_sim.schema import POLICY_NODE


class PolicyNode(GuardedNode):
    def __init__(self):
        super().__init__("policy_node")
        self.p = declare_parameters(self, POLICY_NODE)
        config = BasePolicyConfig(
            **fields_of(self.p, BasePolicyConfig),
            onset_range=(self.p.onset_min, self.p.onset_max),
        )
        config.modes = tuple(config.modes)
        self.frame_id, self.direct = self.p.base_frame, self.p.publish_servo_directly
        self.policy = BasePolicy(config)
        self.command_pub = self.create_publisher(ActionCommand, topics.COMMAND["policy"], 10)
        if self.direct:
            self.servo_pub = self.create_publisher(TwistStamped, topics.SERVO_TWIST, 10)
            self.gripper_pub = self.create_publisher(Float64, topics.GRIPPER, 10)
        self.listener = SceneListener(self, self.on_scene)

    def on_scene(self, msg, scene, status, restarted) -> None:
        if restarted:
            self.policy.reset(msg.seed, scene.time)
        action = self.policy.act(scene, self.listener.mirror.task)
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
