"""supervisor_node's side of the Recover action: send a goal when the core asks, tell the
core when it started and ended, cancel it when the core says so. The Succeeded/Failed
events come from the recovery node itself."""

from rclpy.action import ActionClient

from uniintervene_common import topics
from uniintervene_msgs.action import Recover
from uniintervene_msgs.msg import InterventionEvent


class RecoveryGoals:
    def __init__(self, node, group):
        """node: the supervisor (its core, lock, outputs.event() and parameters)."""
        self.node = node
        self.client = ActionClient(node, Recover, topics.RECOVER, callback_group=group)
        self.handle = None

    def server_ready(self) -> bool:
        return self.client.server_is_ready()

    def start(self, reason: str, trigger_value: float, task: str) -> None:
        node = self.node
        if not self.client.server_is_ready():
            node.outputs.event(InterventionEvent.RECOVERY_FAILED, "recovery server not available")
            node.core.recovery_ended()
            return
        goal = Recover.Goal(
            reason=reason,
            max_ticks=node.p.recovery_max_ticks,
            trigger_value=trigger_value,
            task=task,  # the episode's: a recovery never heads for another task's target
        )
        self.client.send_goal_async(goal).add_done_callback(self.on_accepted)

    def on_accepted(self, future) -> None:
        node = self.node
        with node.lock:
            handle = future.result()
            if not node.core.arbiter.recovery_requested:  # cancelled (human) before acceptance
                if handle.accepted:
                    handle.cancel_goal_async()
                return
            if not handle.accepted:
                node.core.recovery_ended()
                node.outputs.event(InterventionEvent.RECOVERY_FAILED, "goal rejected")
                return
            self.handle = handle
            node.core.recovery_started()
            node.outputs.event(InterventionEvent.RECOVERY_STARTED, "recovering")
            handle.get_result_async().add_done_callback(lambda f, h=handle: self.on_result(h))

    def on_result(self, handle) -> None:
        with self.node.lock:
            if handle is not self.handle:
                return  # already cancelled or declared lost
            self.handle = None
            self.node.core.recovery_ended()

    def cancel(self) -> None:
        handle, self.handle = self.handle, None
        if handle is not None:
            handle.cancel_goal_async()
