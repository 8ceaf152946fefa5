"""operator_node: the simulated HiL-SERL operator at the SpaceMouse.

Watches /uniintervene/sim/task_state; publishes /uniintervene/human/engaged (every tick)
and /uniintervene/human/command (source HUMAN) while it has taken over. Where a supervisor
publishes /uniintervene/control_mode, it takes over only during a supervised episode (a
real operator does not rescue an idle cell; its commands would reach the robot between
episodes, e.g. open the gripper on a freshly reset part); without one it always watches.
"""

import sys

from std_msgs.msg import Bool

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, run
from uniintervene_common.params import declare_parameters, fields_of
from uniintervene_msgs.msg import ActionCommand, ControlMode
from uniintervene_sim.nodes.scene_listener import SceneListener
from uniintervene_sim.operator import OperatorConfig, SimulatedOperator
from uniintervene_sim.schema import OPERATOR_NODE


class OperatorNode(GuardedNode):
    def __init__(self):
        super().__init__("operator_node")
        self.p = declare_parameters(self, OPERATOR_NODE)
        config = OperatorConfig(**fields_of(self.p, OperatorConfig))
        self.frame_id = self.p.base_frame
        self.operator = SimulatedOperator(config)
        self.engaged_pub = self.create_publisher(Bool, topics.HUMAN_ENGAGED, 10)
        self.command_pub = self.create_publisher(ActionCommand, topics.COMMAND["human"], 10)
        self.listener = SceneListener(self, self.on_scene)
        self.was_engaged = False
        self.in_episode = None  # None: no supervisor seen, watch always (standalone tryout)
        self.create_subscription(ControlMode, topics.CONTROL_MODE, self.on_mode, qos.LATCHED)

    def on_mode(self, msg: ControlMode) -> None:
        # idle modes have tick 0; the closing message of an episode keeps its last tick
        self.in_episode = msg.episode_tick > 0 and not msg.reason.startswith("episode ended")

    def on_scene(self, msg, scene, status, restarted) -> None:
        if restarted or self.in_episode is False:
            self.operator.reset(scene.time)  # patience starts with the episode
        decision = self.operator.step(scene.time, status, scene, self.listener.mirror.task.expert)
        engaged = decision.engaged and self.p.enabled
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
