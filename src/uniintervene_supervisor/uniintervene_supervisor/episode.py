"""One supervised episode inside supervisor_node: when it ends, and what it returns."""

import time

from rclpy.task import Future

from uniintervene_msgs.action import Arbitrate
from uniintervene_supervisor.arbitration import Mode


class Episode:
    def __init__(self, handle, max_ticks: int, fault_abort_ticks: int):
        self.handle = handle
        self.max_ticks = max_ticks
        self.fault_abort_ticks = fault_abort_ticks
        self.started_at = time.monotonic()
        self.finished = Future()  # awaited by the Arbitrate execute coroutine
        self.outcome = ""
        self.success = False
        self.fault_ticks = 0

    def end(self, outcome: str, success: bool = False) -> None:
        if not self.finished.done():
            self.outcome, self.success = outcome, success
            self.finished.set_result(outcome)

    def on_tick(self, node, mode: Mode) -> None:
        """Called by the control tick after arbitration, with the node's lock held."""
        arbiter = node.arbiter
        value, risk = node.inputs["value"].value, node.inputs["risk"].value
        self.handle.publish_feedback(
            Arbitrate.Feedback(
                mode=node.last_mode,
                value=float(value.value) if value and value.valid else float("nan"),
                risk=float(risk.risk) if risk else float("nan"),
            )
        )
        task = node.inputs["task"]
        fresh_task = task.value is not None and task.at > self.started_at
        if self.handle.is_cancel_requested:
            self.end("aborted")
        elif fresh_task and task.value.success:
            self.end("success", True)
        elif fresh_task and task.value.failure:
            self.end("aborted")  # the task can no longer succeed (failure_reason in the bag)
        elif arbiter.tick >= self.max_ticks:
            self.end("timeout")
        self.fault_ticks = self.fault_ticks + 1 if mode == Mode.HOLD and node.robot_fault() else 0
        if self.fault_ticks >= self.fault_abort_ticks:
            self.end("fault")

    def finish(self, handle, arbiter, recording: str) -> Arbitrate.Result:
        counts = arbiter.counts
        result = Arbitrate.Result(
            success=self.success,
            outcome=self.outcome,
            ticks=arbiter.tick,
            policy_ticks=counts[Mode.POLICY],
            recovery_ticks=counts[Mode.RECOVERY],
            human_ticks=counts[Mode.HUMAN],
            hold_ticks=counts[Mode.HOLD],
            triggers=arbiter.triggers,
            human_intervention_rate=arbiter.human_intervention_rate,
            recording=recording,
        )
        if handle.is_cancel_requested:
            handle.canceled()
        elif self.outcome == "fault":
            handle.abort()
        else:
            handle.succeed()
        return result
