"""Two simulated cells in two namespaces at once, each a whole graph started through
launch (the fallback runner where launch is not installed): each runs its own episode on
its own simulator, and nothing leaks into the other cell or the root namespace. Then two
cells feeding one learner."""

import contextlib

import pytest

from uniintervene_bringup.launched_graph import graph_runner
from uniintervene_experiments.recordings import episode_from_recording
from uniintervene_supervisor.recorder import read_recording
from uniintervene_testing.episodes import run_episodes
from uniintervene_testing.harness import WaitTimeout

pytestmark = pytest.mark.ros
CELLS = {"cell_1": "tube_insertion", "cell_2": "wipe"}


@contextlib.contextmanager
def running_cells(tmp_path, **graph_options):
    """One sim graph per cell of CELLS, in its namespace; stopped on leaving."""
    runners = []
    try:
        for cell in CELLS:
            runner = graph_runner(
                "sim",
                log_dir=tmp_path / "logs",
                recordings=tmp_path / cell,
                autonomous=False,
                namespace=cell,
                **graph_options,
            )
            runner.start()
            runners.append(runner)
        yield runners
    finally:
        for runner in runners:
            runner.stop()


def test_two_namespaced_cells_run_side_by_side(ros, tmp_path):
    # no models: the critic reports it and never triggers
    with running_cells(tmp_path, models=tmp_path / "no_models") as runners:
        results = run_episodes(ros, CELLS, max_ticks=40, timeout=90.0)
        for runner in runners:
            assert not runner.dead(), runner.dead()
        names = {name for name, _ in ros.node.get_topic_names_and_types()}
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


def test_two_cells_feed_one_learner_and_both_actors_act_on_its_weights(
    ros, start_node, tmp_path, tiny_model_dir
):
    """Many cells, one learner, all over DDS: each cell runs the actor only; the learner
    in the root namespace learns from both cells' transitions and both actors take its
    weights (HiL-SERL's actor/learner split, with no transport of our own)."""
    from diagnostic_msgs.msg import DiagnosticArray

    diagnostics = ros.probe(DiagnosticArray, "/diagnostics", 500)
    start_node(
        "uniintervene_learner",
        "learner_node",
        params={
            "task": "pick_eggplant",
            "data_dir": str(tmp_path / "learner"),
            "transition_topics": [f"/{cell}/uniintervene/transitions" for cell in CELLS],
            "weights_topic": "/uniintervene/policy/weights",
            "latent_dim": 16,
            "warmup_transitions": 10,
            "publish_every_updates": 5,
            "hidden": [32, 32],
            "batch_size": 16,
        },
    )
    shared = {"policy": "actor", "weights_topic": "/uniintervene/policy/weights"}
    with running_cells(tmp_path, models=tiny_model_dir, **shared) as runners:
        executables = {spec.executable for spec in runners[0].specs}
        assert "actor_node" in executables and "policy_node" not in executables
        tasks = dict.fromkeys(CELLS, "pick_eggplant")  # one learner learns one task
        results = run_episodes(ros, tasks, max_ticks=120, timeout=180.0)

        def latest(name: str) -> dict:
            for msg in reversed(diagnostics.messages):
                for status in msg.status:
                    if status.name == name:
                        return {kv.key: kv.value for kv in status.values}
            return {}

        def trained_weights_everywhere() -> bool:
            versions = [latest(f"uniintervene_learner: {c}/actor_node") for c in CELLS]
            return all(int(v.get("weights_version", 0)) > 0 for v in versions)

        # the learner catches up with the transitions on a loaded machine; the actors
        # hear each version it publishes
        try:
            ros.spin_until(trained_weights_everywhere, 120.0, "trained weights in both actors")
        except WaitTimeout as timeout:
            learner_status = latest("uniintervene_learner: learner_node")
            raise AssertionError(
                f"{timeout}; learner: {learner_status}; results: {results}"
            ) from timeout
        for runner in runners:
            assert not runner.dead(), runner.dead()

    learner = latest("uniintervene_learner: learner_node")
    assert int(learner["streams"]) == 2  # one transition stream per cell
    assert int(learner["lost_transitions"]) == 0
    assert int(learner["online_transitions"]) > 0 and int(learner["updates"]) > 0
    for cell, result in results.items():
        assert result.policy_ticks > 0, (cell, result)  # the learned policy drove
        actor = latest(f"uniintervene_learner: {cell}/actor_node")
        assert int(actor["weights_version"]) > 0, (cell, actor)  # trained weights arrived
        assert int(actor["commands"]) > 0
