"""One live episode through the ROS graph: start the sim graph, send Arbitrate, report."""

import time

import rclpy
from rclpy.action import ActionClient

from uniintervene_bringup.runner import GraphRunner
from uniintervene_common import topics
from uniintervene_msgs.action import Arbitrate


def live_episode(
    models,
    recordings,
    task: str = "tube_insertion",
    max_ticks: int = 300,
    autonomous: bool = True,
    log_dir="logs",
    timeout: float = 120.0,
):
    """Returns the Arbitrate result (or raises RuntimeError saying what went wrong)."""
    with GraphRunner(
        "sim", log_dir=log_dir, models=models, recordings=recordings, autonomous=autonomous
    ) as runner:
        context = rclpy.Context()
        rclpy.init(context=context)
        node = rclpy.create_node("uniintervene_demo", context=context)
        executor = rclpy.executors.SingleThreadedExecutor(context=context)
        executor.add_node(node)
        try:
            client = ActionClient(node, Arbitrate, topics.ARBITRATE)
            deadline = time.monotonic() + 60.0
            while not client.server_is_ready():
                executor.spin_once(timeout_sec=0.1)
                if runner.dead() or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the graph did not come up (exited: {runner.dead()}); see {log_dir}/*.log"
                    )
            time.sleep(3.0)  # let the critic and recovery load their models
            goal = Arbitrate.Goal(
                task=task, max_ticks=max_ticks, autonomous_intervention=autonomous
            )
            future = client.send_goal_async(goal)
            executor.spin_until_future_complete(future, timeout_sec=10.0)
            handle = future.result()
            if handle is None or not handle.accepted:
                raise RuntimeError("the supervisor did not accept the episode")
            result = handle.get_result_async()
            executor.spin_until_future_complete(result, timeout_sec=timeout)
            if not result.done():
                raise RuntimeError(f"no result within {timeout:.0f} s; see {log_dir}/*.log")
            return result.result().result
        finally:
            node.destroy_node()
            rclpy.shutdown(context=context)
