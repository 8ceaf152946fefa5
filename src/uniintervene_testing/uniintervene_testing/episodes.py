"""Episodes through running cells' Arbitrate action, from a test's RosHarness."""

from rclpy.action import ActionClient

from uniintervene_msgs.action import Arbitrate


def run_episodes(ros, tasks: dict, max_ticks: int, timeout: float) -> dict:
    """One HiL-SERL episode per cell (its namespace -> its task) at once: cell -> the
    Arbitrate result."""
    clients = {
        cell: ActionClient(ros.node, Arbitrate, f"/{cell}/uniintervene/arbitrate") for cell in tasks
    }
    for client in clients.values():
        ros.wait_for_action_server(client, timeout=90.0)
    handles = {
        cell: ros.wait_future(
            client.send_goal_async(
                Arbitrate.Goal(task=tasks[cell], max_ticks=max_ticks, autonomous_intervention=False)
            )
        )
        for cell, client in clients.items()
    }
    return {
        cell: ros.wait_future(handle.get_result_async(), timeout=timeout).result
        for cell, handle in handles.items()
    }
