"""supervisor_node's Arbitrate episodes: accepting a goal, resetting the simulated cell,
supervising until the episode ends: a helper object the node holds (`node.episodes`), owning
the action server and the simulator's reset client."""

import numpy as np
from rclpy.action import ActionServer, CancelResponse, GoalResponse
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

    def __init__(self, node, group):
        """node: the supervisor (its lock, inputs, core, recording, learner stream and
        outputs; `node.episode` is the running episode, which its tick supervises)."""
        self.node = node
        self.reset_client = None
        if node.p.reset_service:
            self.reset_client = node.create_client(
                ResetTask, node.p.reset_service, callback_group=group
            )
        self.server = ActionServer(
            node,
            Arbitrate,
            topics.ARBITRATE,
            execute_callback=self.execute,
            goal_callback=self.on_goal,
            cancel_callback=lambda h: CancelResponse.ACCEPT,
            callback_group=group,
        )

    def on_goal(self, goal) -> GoalResponse:
        with self.node.lock:
            busy = self.node.episode is not None
        return GoalResponse.REJECT if busy else GoalResponse.ACCEPT

    async def within(self, future: Future, seconds: float):
        """`future`'s result, or None when it is not done within `seconds` (waits without
        blocking the single-threaded executor)."""
        waited = Future()
        future.add_done_callback(lambda _: waited.done() or waited.set_result(True))
        timer = self.node.create_timer(seconds, lambda: waited.done() or waited.set_result(False))
        await waited
        self.node.destroy_timer(timer)
        return future.result() if future.done() else None

    async def sleep(self, seconds: float) -> None:
        await self.within(Future(), seconds)

    async def reset_task(self, task: str, seed: int) -> str:
        """Reset the simulated cell; '' or why it failed. Then wait for the new state and
        forget every command produced before it (a policy still planning the old task
        would, e.g., open the gripper on the new task's part)."""
        node, p = self.node, self.node.p
        waited = 0.0
        while not self.reset_client.service_is_ready() and waited < p.reset_wait:
            await self.sleep(0.1)
            waited += 0.1
        if not self.reset_client.service_is_ready():
            return ""  # no simulator: run on whatever the cell holds
        reset_at = node.now()
        reply = None
        for _ in range(2):  # a reply sent before DDS matched our reader is lost: ask again
            future = self.reset_client.call_async(ResetTask.Request(task=task, seed=seed))
            reply = await self.within(future, max(p.reset_wait, 1.0))
            if reply is not None:
                break
            self.reset_client.remove_pending_request(future)
        if reply is None:
            return "the simulator's reset service did not reply"
        if not reply.success:
            return reply.message or "reset failed"
        while node.now() - reset_at < p.reset_wait:
            latest = node.inputs["task"]
            if latest.at > reset_at and latest.value.task == task and latest.value.seed == seed:
                break
            await self.sleep(0.05)
        await self.sleep(p.control_period)  # sources answer the new state
        with node.lock:
            for source in topics.COMMAND:
                if node.inputs[source].at < reset_at + p.control_period:
                    node.inputs[source] = Latest()
        return ""

    def begin(self, handle, goal, seed: int) -> str:
        """From the next tick on, supervise `goal`; returns the recording's path ('')."""
        node = self.node
        with node.lock:
            node.core.start_episode(
                goal.autonomous_intervention and node.p.autonomous_intervention,
                goal.max_ticks or node.p.default_max_ticks,
            )
            node.episode = Episode(handle, node.now(), goal.task)
            path = node.recording.open(goal.task, seed)
            node.marked_success = False
            node.learner.start_episode(node.episode_count, goal.task)
            node.tracker.reset()
        return path

    async def execute(self, handle):
        node, goal = self.node, handle.request
        seed = node.p.seed_base + node.episode_count
        node.episode_count += 1
        if goal.task and self.reset_client is not None:
            problem = await self.reset_task(goal.task, seed)
            if problem:
                handle.abort()
                return Arbitrate.Result(outcome="fault", recording=problem)
        path = self.begin(handle, goal, seed)
        node.get_logger().info(
            f"episode {node.episode_count - 1}: {goal.task or 'current task'} (seed {seed})"
            + (f", recording {path}" if path else "")
        )
        await node.episode.finished
        with node.lock:
            episode, node.episode = node.episode, None
            node.recovery.cancel()
            # recorded before closing: the outcome is the episode's label in the bag
            node.outputs.publish_mode(
                Mode.HOLD, f"episode ended: {episode.outcome}", node.core.tick
            )
            node.recording.close()
            return episode.finish(node.core.arbiter, path)
