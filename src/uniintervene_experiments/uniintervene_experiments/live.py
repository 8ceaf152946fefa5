"""One live episode through the ROS graph: start the sim graph, wait until it is ready,
send Arbitrate, report."""

import time

import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.action import ActionClient

from uniintervene_bringup.launched_graph import graph_runner
from uniintervene_common import topics
from uniintervene_msgs.action import Arbitrate, Recover
from uniintervene_msgs.msg import ValueEstimate


class GraphNotReady(RuntimeError):
    pass


def wait_until_ready(node, executor, runner, log_dir, timeout: float = 60.0) -> None:
    """Ready means: the supervisor's and the recovery's action servers answer, and the
    critic either publishes valid values (model loaded, frames arriving) or reports on
    /diagnostics that it has no model (then the episode runs without triggers)."""
    critic = {}
    cell = node.get_namespace().strip("/")
    name = f"uniintervene_critic: {cell + '/' if cell else ''}critic_node"  # diagnostic_name

    def on_diagnostics(msg):
        for status in msg.status:
            if status.name == name and status.message.startswith("no model"):
                critic["no_model"] = status.message

    node.create_subscription(
        ValueEstimate, topics.VALUE, lambda msg: msg.valid and critic.update(valid=True), 10
    )
    node.create_subscription(DiagnosticArray, topics.DIAGNOSTICS, on_diagnostics, 10)
    servers = [ActionClient(node, Arbitrate, topics.ARBITRATE)]
    servers.append(ActionClient(node, Recover, topics.RECOVER))
    deadline = time.monotonic() + timeout
    while not (all(s.server_is_ready() for s in servers) and critic):
        executor.spin_once(timeout_sec=0.1)
        if runner.dead():
            raise GraphNotReady(f"nodes exited: {runner.dead()}; see {log_dir}/*.log")
        if time.monotonic() > deadline:
            raise GraphNotReady(f"the graph did not come up in {timeout:.0f} s; see {log_dir}/")
    if "valid" not in critic:
        print(f"warning: {critic['no_model']}: the episode runs without triggers")


def live_episode(
    models,
    recordings,
    task: str = "tube_insertion",
    max_ticks: int = 300,
    autonomous: bool = True,
    log_dir="logs",
    timeout: float = 120.0,
    namespace: str = "",
):
    """Returns the Arbitrate result (or raises RuntimeError saying what went wrong)."""
    with graph_runner(
        "sim",
        log_dir=log_dir,
        models=models,
        recordings=recordings,
        autonomous=autonomous,
        namespace=namespace,
    ) as runner:
        context = rclpy.Context()
        rclpy.init(context=context)
        node = rclpy.create_node("uniintervene_live", namespace=namespace, context=context)
        executor = rclpy.executors.SingleThreadedExecutor(context=context)
        executor.add_node(node)
        try:
            wait_until_ready(node, executor, runner, log_dir)
            client = ActionClient(node, Arbitrate, topics.ARBITRATE)
            while not client.server_is_ready():
                executor.spin_once(timeout_sec=0.05)
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
