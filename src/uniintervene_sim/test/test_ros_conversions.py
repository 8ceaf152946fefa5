"""Message conversions of the sim nodes (no processes)."""

import pytest

from uniintervene_common import conversions as conv
from uniintervene_sim import ros_conversions as sim_conv
from uniintervene_sim.cell import SimCell


def test_task_state_round_trip_keeps_the_scene():
    cell = SimCell("wipe", render=False)
    cell.reset(seed=3)
    scene, status = cell.scene(), cell.status()
    msg = sim_conv.task_state_msg("wipe", 3, scene, status, conv.time_msg(0.0))
    back = sim_conv.scene_from_task_state(msg, cell.finger_opening)
    assert back.objects.keys() == scene.objects.keys()
    for name, pose in scene.objects.items():
        assert back.objects[name].position == pytest.approx(pose.position)
        assert back.objects[name].quaternion == pytest.approx(pose.quaternion)
    assert back.tcp.position == pytest.approx(scene.tcp.position)
    assert sim_conv.status_from_task_state(msg).progress == pytest.approx(status.progress)
    assert cell.task.expert(back) == pytest.approx(cell.task.expert(scene), abs=1e-5)
