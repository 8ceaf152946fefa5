"""The command path's watches, without ROS: the command controller must be active (and
is activated, taking the joints from the controller that holds them), and a Servo halt
holds for a while."""

from types import SimpleNamespace

from uniintervene_supervisor.command_path import ControllerWatch, ServoHalt

JOINTS = tuple(f"joint_{i}/position" for i in range(6))


class Future:
    def __init__(self, result=None, done=True):
        self._result, self._done = result, done

    def done(self):
        return self._done

    def result(self):
        return self._result


def state(name, state, claimed=(), required=()):
    return SimpleNamespace(
        name=name, state=state, claimed_interfaces=list(claimed),
        required_command_interfaces=list(required),
    )  # fmt: skip


class ControllerManager:
    """ur_robot_driver's start: the trajectory controller holds the joints."""

    def __init__(self):
        self.states = {
            "scaled_joint_trajectory_controller": "active",
            "forward_position_controller": "inactive",
            "joint_state_broadcaster": "active",
        }
        self.switches = []

    def list(self):
        claimed = {
            "scaled_joint_trajectory_controller": JOINTS,
            "forward_position_controller": JOINTS,
        }
        return Future(
            SimpleNamespace(
                controller=[
                    state(name, s, claimed.get(name, ()) if s == "active" else (),
                          claimed.get(name, ()))
                    for name, s in self.states.items()
                ]
            )
        )  # fmt: skip

    def switch(self, activate, deactivate):
        self.switches.append((activate, deactivate))
        for name in deactivate:
            self.states[name] = "inactive"
        for name in activate:
            self.states[name] = "active"
        return Future(SimpleNamespace(ok=True, message=""))


def run(watch, manager, seconds, wanted, start=0.0, available=True):
    now = start
    while now < start + seconds:
        watch.step(now, available, manager.list, manager.switch, wanted)
        now += 0.1
    return now


def test_an_inactive_command_controller_holds_until_an_episode_activates_it():
    watch, manager = ControllerWatch(), ControllerManager()
    assert watch.fault  # not answered yet
    now = run(watch, manager, 3.0, wanted=False)
    assert watch.fault == "forward_position_controller is inactive, not active"
    assert manager.switches == []  # idle: the user's trajectory controller is left alone
    run(watch, manager, 3.0, wanted=True, start=now)
    assert watch.fault == ""
    assert manager.switches == [
        (["forward_position_controller"], ["scaled_joint_trajectory_controller"])
    ]


def test_a_controller_switched_away_mid_run_is_seen_within_a_period():
    watch, manager = ControllerWatch(period=1.0), ControllerManager()
    manager.states["forward_position_controller"] = "active"
    manager.states["scaled_joint_trajectory_controller"] = "inactive"
    now = run(watch, manager, 1.0, wanted=False)
    assert watch.fault == ""
    manager.states["forward_position_controller"] = "inactive"  # a homing run took over
    run(watch, manager, 1.1, wanted=False, start=now)
    assert "not active" in watch.fault


def test_without_activation_or_a_loaded_controller_it_only_says_why():
    watch, manager = ControllerWatch(activate=False), ControllerManager()
    run(watch, manager, 3.0, wanted=True)
    assert manager.switches == [] and "inactive" in watch.fault
    watch, manager = ControllerWatch(), ControllerManager()
    del manager.states["forward_position_controller"]
    run(watch, manager, 3.0, wanted=True)
    assert manager.switches == []
    assert watch.fault == "forward_position_controller is not loaded in the controller manager"


def test_a_refused_switch_is_reported_and_retried_once_per_listing():
    watch, manager = ControllerWatch(period=1.0), ControllerManager()
    manager.switch = lambda a, d: (
        manager.switches.append((a, d)) or Future(SimpleNamespace(ok=False, message="conflict"))
    )
    run(watch, manager, 3.05, wanted=True)
    assert watch.fault == (
        "forward_position_controller is inactive, not active (switch_controller refused: conflict)"
    )
    assert 2 <= len(manager.switches) <= 4  # about one a period, never one a tick


def test_silence_and_vanishing_services_are_faults():
    watch, manager = ControllerWatch(reply_timeout=2.0), ControllerManager()
    manager.list = lambda: Future(done=False)
    run(watch, manager, 2.5, wanted=True)
    assert watch.fault == "controller_manager/list_controllers did not answer"
    watch, manager = ControllerWatch(), ControllerManager()
    manager.states["forward_position_controller"] = "active"
    now = run(watch, manager, 1.0, wanted=False)
    assert watch.fault == ""
    run(watch, manager, 0.2, wanted=False, start=now, available=False)
    assert watch.fault == "controller_manager's services vanished"


def test_a_servo_halt_holds_for_its_hold_time_and_decelerations_do_not():
    halt = ServoHalt(hold_seconds=1.0)
    halt.on_status(1, "close to a singularity", 0.0)
    assert halt.fault(0.0) == ""
    halt.on_status(2, "Very close to a singularity, emergency stop", 1.0)
    assert halt.fault(1.5) == (
        "MoveIt Servo halted: HALT_FOR_SINGULARITY (Very close to a singularity, emergency stop)"
    )
    halt.on_status(0, "", 1.6)  # no warning any more: the hold still runs out its time
    assert halt.fault(1.9) and halt.fault(2.1) == ""
    assert halt.counts == {
        "DECELERATE_FOR_APPROACHING_SINGULARITY": 1, "HALT_FOR_SINGULARITY": 1, "NO_WARNING": 1
    }  # fmt: skip
