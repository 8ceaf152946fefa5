"""SpaceMouse/joystick mapping: HiL-SERL's implicit takeover, deadman, timeouts."""

import numpy as np
import pytest

from uniintervene_supervisor.teleop import TeleopConfig, TeleopMapper


def test_implicit_takeover_on_motion_or_button_and_release_after_idle():
    mapper = TeleopMapper(TeleopConfig(release_after=0.5, input_timeout=2.0))
    mapper.on_twist([0.0] * 6, now=0.0)
    assert not mapper.engaged(0.0)  # a resting device does not take over
    mapper.on_twist([0.0005, 0, 0, 0, 0, 0], now=0.1)
    assert not mapper.engaged(0.1)  # under the deadband
    mapper.on_twist([0.5, 0, 0, 0, 0, -1.0], now=0.2)
    assert mapper.engaged(0.2)
    assert mapper.command() == pytest.approx([0.075, 0, 0, 0, 0, -0.6, 0.0])
    mapper.on_twist([0.0] * 6, now=0.3)
    assert mapper.engaged(0.6) and not mapper.engaged(0.75)
    mapper.on_buttons([1, 0], now=1.0)  # a button alone takes over, and closes the gripper
    assert mapper.engaged(1.0) and mapper.command()[6] == 1.0


def test_deadman_engages_only_while_held():
    mapper = TeleopMapper(TeleopConfig(mode="deadman", deadman_button=2))
    mapper.on_twist([0.5, 0, 0, 0, 0, 0], now=0.0)
    assert not mapper.engaged(0.0)
    mapper.on_buttons([0, 0, 1], now=0.1)
    assert mapper.engaged(0.1)
    mapper.on_buttons([0, 0, 0], now=0.2)
    assert not mapper.engaged(0.2)


def test_dead_device_and_bad_input_disengage_and_zero():
    mapper = TeleopMapper(TeleopConfig(mode="deadman", input_timeout=0.5))
    mapper.on_buttons([1], now=0.0)
    assert mapper.engaged(0.4) and not mapper.engaged(0.6)
    mapper.on_twist([np.nan, 0, 0, 0, 0, 0], now=1.0)
    assert np.all(mapper.command()[:6] == 0.0)
    mapper.on_twist([5.0, 0, 0, 0, 0, 0], now=1.0)  # over full deflection: clipped
    assert mapper.command()[0] == pytest.approx(0.15)
    with pytest.raises(ValueError, match="implicit' or 'deadman"):
        TeleopConfig(mode="voice")


COUNT = 1 / 512  # one SpaceMouse count in /spacenav/twist (spacenav's full_scale 512)


@pytest.mark.parametrize("counts,engaged", [(1, False), (2, False), (4, False), (6, True)])
def test_sensor_jitter_of_a_few_counts_does_not_take_over(counts, engaged):
    mapper = TeleopMapper(TeleopConfig())
    mapper.on_twist([counts * COUNT, 0, 0, 0, 0, -counts * COUNT / 2], now=0.0)
    assert mapper.engaged(0.0) == engaged
