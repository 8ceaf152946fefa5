"""Keep MoveIt Servo accepting twists (no ROS).

Servo (moveit_servo 2.12, src/servo_node.cpp) has no defined command type at start and
offers `~/switch_command_type` only once it has the robot description and joint states;
it exits when it has no complete joint state within 5 s, and the launch file respawns it.
So: call the switch whenever the service is there and we have not been told `success`,
retry every `retry_period`, and switch again when Servo comes back after vanishing.
"""


class CommandTypeSwitch:
    def __init__(self, retry_period: float = 1.0, reply_timeout: float = 2.0):
        self.retry_period, self.reply_timeout = retry_period, reply_timeout
        self.switched = False  # Servo said success and has not vanished since
        self.attempts = 0
        self.last_problem = "switch_command_type not answered yet"
        self._pending, self._sent_at, self._next_try = None, 0.0, 0.0
        self._available = False

    def step(self, now: float, available: bool, call) -> None:
        """available: the service is there now; call(): send one request, returning a
        future (done(), result() with .success)."""
        if not available:
            if self._available:
                self.last_problem = "MoveIt Servo's switch_command_type service vanished"
            self.switched, self._available, self._pending = False, False, None
            return
        self._available = True
        if self.switched:
            return
        if self._pending is not None:
            if self._pending.done():
                reply, self._pending = self._pending.result(), None
                if reply is not None and reply.success:
                    self.switched, self.last_problem = True, ""
                    return
                self.last_problem = "MoveIt Servo refused the switch to TWIST"
            elif now - self._sent_at < self.reply_timeout:
                return
            else:
                self._pending, self.last_problem = None, "switch_command_type did not answer"
        if now >= self._next_try:
            self._pending, self._sent_at = call(), now
            self._next_try = now + self.retry_period
            self.attempts += 1
