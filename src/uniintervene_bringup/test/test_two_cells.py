"""Two simulated cells in two namespaces at once, each a whole graph started by the
process runner: each runs its own episode on its own simulator, and nothing leaks into
the other cell or the root namespace."""

import pytest

from uniintervene_bringup.recordings import episode_from_recording
from uniintervene_bringup.runner import GraphRunner
from uniintervene_msgs.action import Arbitrate
from uniintervene_supervisor.recorder import read_recording

pytestmark = pytest.mark.ros
CELLS = {"cell_1": "tube_insertion", "cell_2": "wipe"}


def test_two_namespaced_cells_run_side_by_side(ros, tmp_path):
    from rclpy.action import ActionClient

    runners = []
    try:
        for cell in CELLS:
            runner = GraphRunner(
                "sim",
                log_dir=tmp_path / "logs",
                models=tmp_path / "no_models",  # the critic reports no model: no triggers
                recordings=tmp_path / cell,
                autonomous=False,
                namespace=cell,
            )
            runner.start()
            runners.append(runner)
        clients = {
            cell: ActionClient(ros.node, Arbitrate, f"/{cell}/uniintervene/arbitrate")
            for cell in CELLS
        }
        for client in clients.values():
            ros.wait_for_action_server(client, timeout=90.0)
        handles = {
            cell: ros.wait_future(
                client.send_goal_async(
                    Arbitrate.Goal(task=CELLS[cell], max_ticks=40, autonomous_intervention=False)
                )
            )
            for cell, client in clients.items()
        }
        results = {
            cell: ros.wait_future(handle.get_result_async(), timeout=90.0).result
            for cell, handle in handles.items()
        }
        for runner in runners:
            assert not runner.dead(), runner.dead()
        names = {name for name, _ in ros.node.get_topic_names_and_types()}
    finally:
        for runner in runners:
            runner.stop()
    for cell, result in results.items():
        assert result.ticks > 0 and result.outcome in ("success", "timeout", "aborted")
        assert result.recording.startswith(str(tmp_path / cell))
        recorded = {topic for topic, *_ in read_recording(result.recording)}
        assert f"/{cell}/joint_states" in recorded and f"/{cell}/uniintervene/command" in recorded
        assert not any(t.startswith("/cell_") and not t.startswith(f"/{cell}/") for t in recorded)
        episode = episode_from_recording(result.recording)
        assert episode.task == CELLS[cell] and len(episode) == result.ticks
    for cell in CELLS:
        assert f"/{cell}/camera/camera/color/image_raw" in names
    assert "/joint_states" not in names and "/uniintervene/command" not in names
    logs = {p.name for p in (tmp_path / "logs").glob("*.log")}
    assert {"cell_1.sim_node.log", "cell_2.supervisor_node.log"} <= logs
