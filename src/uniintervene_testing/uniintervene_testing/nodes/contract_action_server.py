"""An action server of any UniIntervene action type that follows the protocol only.

For each goal it sends `feedback_count` feedback messages (filled from seeds 0, 1, ...),
one every `period` seconds, then succeeds with a result filled from seed 1; a cancel
request is honoured at the next period and the goal reports canceled. It exists to test
that actions cross processes intact; the real servers live in their packages.
"""

import sys
import time

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.action import ActionServer, CancelResponse, GoalResponse
from rclpy.callback_groups import ReentrantCallbackGroup
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node

from uniintervene_common import topics
from uniintervene_common.node import run
from uniintervene_testing.interfaces import filled, import_interface


class ContractActionServer(Node):
    def __init__(self):
        super().__init__("contract_action_server")
        describe = ParameterDescriptor
        type_name = self.declare_parameter(
            "action_type",
            "uniintervene_msgs/action/Arbitrate",
            describe(description="action type, pkg/action/Name"),
        ).value
        action_name = self.declare_parameter(
            "action_name", "/" + topics.ARBITRATE, describe(description="action name")
        ).value
        self.feedback_count = self.declare_parameter(
            "feedback_count", 5, describe(description="feedback messages per goal")
        ).value
        self.period = self.declare_parameter(
            "period", 0.1, describe(description="seconds between feedback messages")
        ).value
        self.action_class = import_interface(type_name)
        self.server = ActionServer(
            self,
            self.action_class,
            action_name,
            execute_callback=self.execute,
            goal_callback=lambda goal: GoalResponse.ACCEPT,
            cancel_callback=lambda handle: CancelResponse.ACCEPT,
            callback_group=ReentrantCallbackGroup(),
        )

    def execute(self, goal_handle):
        for seed in range(self.feedback_count):
            if goal_handle.is_cancel_requested:
                goal_handle.canceled()
                return self.action_class.Result()
            goal_handle.publish_feedback(filled(self.action_class.Feedback, seed))
            time.sleep(self.period)
        if goal_handle.is_cancel_requested:
            goal_handle.canceled()
            return self.action_class.Result()
        goal_handle.succeed()
        return filled(self.action_class.Result, 1)


def main(args=None):
    return run(
        ContractActionServer, args, executor_factory=lambda: MultiThreadedExecutor(num_threads=2)
    )


if __name__ == "__main__":
    sys.exit(main())
