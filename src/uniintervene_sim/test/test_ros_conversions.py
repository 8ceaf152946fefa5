"""Message conversions of the sim nodes (no processes)."""

import numpy as np
import pytest

from uniintervene_sim import ros_conversions as conv
from uniintervene_sim.cell import SimCell


def test_image_round_trip_and_bad_images():
    image = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    msg = conv.image_msg(image, conv.time_msg(1.25), "camera")
    assert np.array_equal(conv.image_from_msg(msg), image)
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec) == (1, 250_000_000)
    msg.encoding = "mono16"
    with pytest.raises(ValueError, match="unsupported image encoding 'mono16'"):
        conv.image_from_msg(msg)
    msg.encoding = "rgb8"
    msg.data = msg.data[:-5]
    with pytest.raises(ValueError, match="does not match 64x48"):
        conv.image_from_msg(msg)


def test_task_state_round_trip_keeps_the_scene():
    cell = SimCell("wipe", render=False)
    cell.reset(seed=3)
    scene, status = cell.scene(), cell.status()
    msg = conv.task_state_msg("wipe", 3, scene, status, conv.time_msg(0.0))
    back = conv.scene_from_task_state(msg, cell.finger_opening)
    assert back.objects.keys() == scene.objects.keys()
    for name, pose in scene.objects.items():
        assert back.objects[name].position == pytest.approx(pose.position)
        assert back.objects[name].quaternion == pytest.approx(pose.quaternion)
    assert back.tcp.position == pytest.approx(scene.tcp.position)
    assert conv.status_from_task_state(msg).progress == pytest.approx(status.progress)
    assert cell.task.expert(back) == pytest.approx(cell.task.expert(scene), abs=1e-5)
