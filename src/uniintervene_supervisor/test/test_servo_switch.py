"""The TWIST switch is retried until Servo answers success, and redone after Servo
respawns (stand-in service: futures answered by the test)."""

from types import SimpleNamespace

from uniintervene_supervisor.servo_switch import CommandTypeSwitch


class StandInService:
    """Answers each request with the next of `answers` (None: never answers)."""

    def __init__(self, answers):
        self.answers, self.requests = list(answers), 0

    def call(self):
        self.requests += 1
        answer = self.answers.pop(0) if self.answers else True
        future = SimpleNamespace(done=lambda: answer is not None)
        future.result = lambda: SimpleNamespace(success=bool(answer))
        return future


def run(switch, service, times, available=True):
    for now in times:
        switch.step(now, available, service.call)


def test_retried_until_success_then_left_alone():
    service, switch = StandInService([False, None, False, True]), CommandTypeSwitch(1.0, 2.0)
    run(switch, service, [0.0, 0.5])  # refused at once; the retry waits for its period
    assert service.requests == 1 and not switch.switched
    assert switch.last_problem == "MoveIt Servo refused the switch to TWIST"
    run(switch, service, [1.0, 2.0])  # a request nobody answers...
    assert service.requests == 2
    run(switch, service, [3.5])  # ...times out after 2 s and is sent again
    assert service.requests == 3 and switch.last_problem == "switch_command_type did not answer"
    run(switch, service, [4.0, 5.0, 6.0, 7.0, 8.0])  # refused once more, then success
    assert switch.switched and switch.last_problem == "" and service.requests == 4


def test_switched_again_after_servo_comes_back():
    service, switch = StandInService([True]), CommandTypeSwitch(1.0)
    run(switch, service, [0.0, 0.1])
    assert switch.switched and service.requests == 1
    run(switch, service, [1.0, 2.0], available=False)  # Servo exited (respawning)
    assert not switch.switched and "vanished" in switch.last_problem
    run(switch, service, [3.0, 3.1])
    assert switch.switched and service.requests == 2


def test_nothing_is_sent_while_the_service_is_missing():
    service, switch = StandInService([True]), CommandTypeSwitch()
    run(switch, service, [0.0, 1.0, 2.0], available=False)
    assert service.requests == 0 and not switch.switched
