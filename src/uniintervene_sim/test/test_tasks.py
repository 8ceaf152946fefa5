"""The tasks: the scripted expert succeeds, doing nothing never does, failures are caught,
and everything is deterministic for a seed."""

import numpy as np
import pytest

from uniintervene_sim.cell import SimCell
from uniintervene_sim.model import CameraConfig
from uniintervene_sim.tasks import TASKS, make_task

SEEDS = range(5)


def run(cell, controller, max_seconds=None):
    steps = round((max_seconds or cell.task.episode_seconds) / 0.1)
    for _ in range(steps):
        cell.step(controller(cell.scene()))
        status = cell.status()
        if status.success or status.failure:
            break
    return status


@pytest.fixture(scope="module")
def cell():
    return SimCell(render=False)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_scripted_expert_succeeds_on_most_seeds(cell, task):
    results = []
    for seed in SEEDS:
        cell.reset(task, seed)
        results.append(run(cell, cell.task.expert))
    assert sum(r.success for r in results) >= 4, [(r.progress, r.failure_reason) for r in results]
    assert all(r.progress == 1.0 for r in results if r.success)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_doing_nothing_never_succeeds(cell, task):
    for seed in SEEDS:
        cell.reset(task, seed)
        hold = cell.gripper
        status = run(cell, lambda scene, hold=hold: np.array([0, 0, 0, 0, 0, 0, hold]))
        assert not status.success
        assert status.progress < 0.5


@pytest.mark.parametrize("task", sorted(TASKS))
def test_same_seed_same_episode_other_seed_other_layout(task):
    first, second = SimCell(task), SimCell(task)
    obs_a, obs_b = first.reset(task, 11), second.reset(task, 11)
    assert np.array_equal(obs_a["image"], obs_b["image"])
    for _ in range(15):
        obs_a = first.step(first.task.expert(first.scene()))
        obs_b = second.step(second.task.expert(second.scene()))
    assert np.array_equal(obs_a["joint_pos"], obs_b["joint_pos"])
    assert np.array_equal(obs_a["image"], obs_b["image"])
    other = first.reset(task, 12)
    assert not np.array_equal(other["image"], second.reset(task, 11)["image"])


def test_unknown_task_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown task 'fold_laundry'.*pick_eggplant"):
        make_task("fold_laundry")


def test_pick_fails_when_a_distractor_is_knocked(cell):
    cell.reset("pick_eggplant", 0)
    objects = cell.scene().objects
    can, egg = objects["tomato_can"].position, objects["eggplant"].position
    away = (can - egg) / np.linalg.norm(can - egg)
    away[2] = 0.0
    behind = can + 0.09 * away  # beyond the can, seen from the eggplant

    def shove(scene):  # above the point behind the can, down, then through the can
        tcp = scene.tcp.position
        if np.linalg.norm(tcp[:2] - behind[:2]) > 0.01 and tcp[2] > 0.06:
            goal = np.array([behind[0], behind[1], 0.15])
            if np.linalg.norm(tcp[:2] - behind[:2]) < 0.02:
                goal[2] = 0.04
        elif tcp[2] > 0.045:
            goal = np.array([behind[0], behind[1], 0.04])
        else:
            goal = tcp - 0.1 * away
        return np.concatenate([np.clip(3 * (goal - tcp), -0.1, 0.1), np.zeros(3), [0.0]])

    status = run(cell, shove, 20)
    assert status.failure and status.failure_reason == "distractor_disturbed"


@pytest.mark.parametrize("task", ["tube_insertion", "ram_insertion"])
def test_insertion_jammed_off_centre_fails_on_sustained_force(cell, task):
    cell.reset(task, 1)
    fixture = cell.scene().objects["fixture"]
    # Centre of the fixture's side wall, in the base frame.
    wall = fixture.position + fixture.rotation @ np.array(
        [cell.task.part.hole_half[0] + 0.012, 0, 0]
    )
    warned = []

    def jam(scene):  # over the fixture wall, then push down
        part = scene.objects[cell.task.part.name].position
        target = wall
        xy = target[:2] - part[:2]
        if np.linalg.norm(xy) > 0.004:
            return np.concatenate([np.clip(2 * xy, -0.1, 0.1), [0.0], np.zeros(3), [1.0]])
        warned.append(cell.status().warning)
        return np.array([0.0, 0.0, -0.05, 0.0, 0.0, 0.0, 1.0])

    status = run(cell, jam)
    # Pressed hard enough, the part either breaks (sustained force) or slips in the fingers.
    assert status.failure
    assert status.failure_reason in ("excessive_force", f"{cell.task.part.name}_slipped")
    assert any(warned)  # the operator's cue comes before the failure


def test_opening_the_gripper_drops_the_tube(cell):
    cell.reset("tube_insertion", 2)
    status = run(cell, lambda scene: np.array([0, 0, 0.05, 0, 0, 0, 0.0]), 5)
    assert status.failure and status.failure_reason == "tube_dropped"


def test_wipe_counts_only_cells_wiped_in_the_force_band(cell):
    cell.reset("wipe", 0)
    task = cell.task

    def hover(scene):  # sweep the region 2 cm in front of the wall: no contact
        face = task._face(scene)
        target = task.cells[int(scene.time * 2) % len(task.cells)]
        goal = np.array([task.region[0] - 0.02, *target[1:]]) + (scene.tcp.position - face)
        return np.concatenate(
            [np.clip(3 * (goal - scene.tcp.position), -0.1, 0.1), np.zeros(3), [1.0]]
        )

    status = run(cell, hover, 10)
    assert not task.wiped.any() and status.progress < 0.2
    status = run(cell, task.expert)
    assert status.success and task.wiped.mean() >= 11 / 12


def test_both_cameras_give_the_wrist_view_and_the_scene_view():
    def observe(mount):
        cell = SimCell(camera=CameraConfig(mount=mount, width=48, height=48))
        observation = cell.reset("pick_eggplant", 2)
        cell.close()
        return observation

    both, wrist, scene = observe("both"), observe("wrist"), observe("scene")
    assert np.array_equal(both["image"], wrist["image"])  # the primary view is the wrist's
    assert np.array_equal(both["scene_image"], scene["image"])
    assert not np.array_equal(both["image"], both["scene_image"])
    assert "scene_image" not in wrist
    with pytest.raises(ValueError, match="'wrist', 'scene' or 'both'"):
        CameraConfig(mount="ceiling")


def test_the_privileged_state_vector_follows_the_tool_and_the_objects():
    """Scene.vector(): the learner's ceiling observation (hilrl --observation state)."""
    cell = SimCell("pick_eggplant", camera=CameraConfig(width=32, height=32))
    cell.reset("pick_eggplant", 0)
    first = cell.scene()
    vector = first.vector()
    # tool: position 3 + orientation 6, gripper 2, force 1; per object offset 3 (dm) + 3
    # (cm, capped) + orientation 6
    assert vector.shape == (12 + 12 * len(first.objects),) and vector.dtype == np.float32
    assert np.allclose(vector[:3], 10 * first.tcp.position, atol=1e-5)
    eggplant = 12 + 12 * sorted(first.objects).index("eggplant")
    offset = first.objects["eggplant"].position - first.tcp.position
    assert np.allclose(vector[eggplant : eggplant + 3], 10 * offset, atol=1e-5)
    assert np.allclose(vector[eggplant + 3 : eggplant + 6], np.clip(100 * offset, -3, 3))
    for _ in range(5):  # move the tool up: its position and the objects' offsets change
        cell.step(np.array([0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.0]))
    moved = cell.scene().vector()
    assert moved[2] > vector[2] + 0.5  # dm
    below = eggplant + 2
    assert moved[below] < vector[below] - 0.5  # the eggplant is farther below (dm)
    other = SimCell("pick_eggplant", camera=CameraConfig(width=32, height=32))
    other.reset("pick_eggplant", 1)  # another layout: other object poses
    assert not np.allclose(other.scene().vector()[12:], vector[12:], atol=1e-3)
    assert np.all(np.isfinite(vector)) and np.abs(vector).max() <= 10.0
