"""One supervised episode inside supervisor_node: its goal handle, when it started, how
it ended, and the Arbitrate result (the ending rules are SupervisorCore's)."""

from rclpy.task import Future

from uniintervene_msgs.action import Arbitrate
from uniintervene_supervisor.arbitration import Mode


class Episode:
    def __init__(self, handle, started_at: float, task: str = ""):
        self.handle = handle
        self.task = task  # what its recoveries and transitions belong to
        self.problems: list[str] = []  # faults and HOLDs it survived (said in the result)
        self.started_at = started_at  # task states older than this belong to another episode
        self.finished = Future()  # awaited by the Arbitrate execute coroutine
        self.outcome = ""

    def note_problem(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    @property
    def success(self) -> bool:
        return self.outcome == "success"

    def end(self, outcome: str) -> None:
        if not self.finished.done():
            self.outcome = outcome
            self.finished.set_result(outcome)

    def finish(self, arbiter, recording: str) -> Arbitrate.Result:
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
            problems="; ".join(self.problems),
        )
        if self.handle.is_cancel_requested:
            self.handle.canceled()
        elif self.outcome == "fault":
            self.handle.abort()
        else:
            self.handle.succeed()
        return result
