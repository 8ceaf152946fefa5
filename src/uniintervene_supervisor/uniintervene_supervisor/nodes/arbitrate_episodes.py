"""supervisor_node's Arbitrate episodes: accepting a goal, resetting the simulated cell,
supervising until the episode ends (a mixin of SupervisorNode)."""

import numpy as np
from rclpy.action import GoalResponse
from rclpy.task import Future

from uniintervene_common import topics
from uniintervene_msgs.action import Arbitrate
from uniintervene_msgs.srv import ResetTask
from uniintervene_supervisor.arbitration import Mode
from uniintervene_supervisor.episode import Episode


class Latest:
    """The newest value of one input and when it arrived (the node's clock, seconds)."""

    def __init__(self):
        self.value, self.at = None, -np.inf

    def set(self, value, at: float) -> None:
        self.value, self.at = value, at


class ArbitrateEpisodes:
    """One Arbitrate goal = one supervised episode; the node's tick does the supervising."""

    def on_goal(self, goal) -> GoalResponse:
        with self.lock:
            return GoalResponse.REJECT if self.episode is not None else GoalResponse.ACCEPT

    async def within(self, future: Future, seconds: float):
        """`future`'s result, or None when it is not done within `seconds` (waits without
        blocking the single-threaded executor)."""
        waited = Future()
        future.add_done_callback(lambda _: waited.done() or waited.set_result(True))
        timer = self.create_timer(seconds, lambda: waited.done() or waited.set_result(False))
        await waited
        self.destroy_timer(timer)
        return future.result() if future.done() else None

    async def sleep(self, seconds: float) -> None:
        await self.within(Future(), seconds)

    async def reset_task(self, task: str, seed: int) -> str:
        """Reset the simulated cell; '' or why it failed. Then wait for the new state and
        forget every command produced before it (a policy still planning the old task
        would, e.g., open the gripper on the new task's part)."""
        waited = 0.0
        while not self.reset_client.service_is_ready() and waited < self.p.reset_wait:
            await self.sleep(0.1)
            waited += 0.1
        if not self.reset_client.service_is_ready():
            return ""  # no simulator: run on whatever the cell holds
        reset_at = self.now()
        reply = None
        for _ in range(2):  # a reply sent before DDS matched our reader is lost: ask again
            future = self.reset_client.call_async(ResetTask.Request(task=task, seed=seed))
            reply = await self.within(future, max(self.p.reset_wait, 1.0))
            if reply is not None:
                break
            self.reset_client.remove_pending_request(future)
        if reply is None:
            return "the simulator's reset service did not reply"
        if not reply.success:
            return reply.message or "reset failed"
        while self.now() - reset_at < self.p.reset_wait:
            latest = self.inputs["task"]
            if latest.at > reset_at and latest.value.task == task and latest.value.seed == seed:
                break
            await self.sleep(0.05)
        await self.sleep(self.p.control_period)  # sources answer the new state
        with self.lock:
            for source in topics.COMMAND:
                if self.inputs[source].at < reset_at + self.p.control_period:
                    self.inputs[source] = Latest()
        return ""

    def begin_episode(self, handle, goal, seed: int) -> str:
        """From the next tick on, supervise `goal`; returns the recording's path ('')."""
        with self.lock:
            self.core.start_episode(
                goal.autonomous_intervention and self.p.autonomous_intervention,
                goal.max_ticks or self.p.default_max_ticks,
            )
            self.episode = Episode(handle, self.now(), goal.task)
            path = self.recording.open(goal.task, seed)
            self.marked_success = False
            self.learner.start_episode(self.episode_count, goal.task)
            self.tracker.reset()
        return path

    async def execute(self, handle):
        goal = handle.request
        seed = self.p.seed_base + self.episode_count
        self.episode_count += 1
        if goal.task and self.reset_client is not None:
            problem = await self.reset_task(goal.task, seed)
            if problem:
                handle.abort()
                return Arbitrate.Result(outcome="fault", recording=problem)
        path = self.begin_episode(handle, goal, seed)
        self.get_logger().info(
            f"episode {self.episode_count - 1}: {goal.task or 'current task'} (seed {seed})"
            + (f", recording {path}" if path else "")
        )
        await self.episode.finished
        with self.lock:
            episode, self.episode = self.episode, None
            self.cancel_recovery()
            # recorded before closing: the outcome is the episode's label in the bag
            self.publish_mode(Mode.HOLD, f"episode ended: {episode.outcome}", self.core.tick)
            self.recording.close()
            return episode.finish(self.core.arbiter, path)
