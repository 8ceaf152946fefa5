"""A gripper on the UR's tool I/O (no ROS): the supervisor's gripper command (0 open ...
1 closed) becomes the tool digital output(s) a pneumatic or electric two-state gripper is
wired to, set through the UR driver's io_and_status_controller/set_io (ur_msgs/SetIO:
FUN_SET_DIGITAL_OUT, tool outputs are pins 16 and 17 in ur_msgs srv/SetIO.srv; the
driver's ur_controllers/src/gpio_controller.cpp accepts pins 0..17).

Hysteresis keeps a command hovering near one half from chattering the valve; a request
that fails or goes unanswered is sent again until the driver confirms it.
"""

from dataclasses import dataclass

FUN_SET_DIGITAL_OUT = 1
PIN_TOOL_DOUT0, PIN_TOOL_DOUT1 = 16, 17


@dataclass
class ToolGripperConfig:
    close_pin: int = PIN_TOOL_DOUT0  # ON closes the gripper
    open_pin: int = -1  # ON opens it (double-acting valves); -1: none, close_pin OFF opens
    close_above: float = 0.6  # command above this closes
    open_below: float = 0.4  # command below this opens
    retry_period: float = 0.5  # s before an unconfirmed request is sent again

    def __post_init__(self):
        if not 0.0 <= self.open_below < self.close_above <= 1.0:
            raise ValueError("need 0 <= open_below < close_above <= 1")
        for pin in (self.close_pin, self.open_pin):
            if pin != -1 and not 0 <= pin <= 17:
                raise ValueError(f"pin {pin} is not a UR digital output (0..17)")


class ToolGripper:
    def __init__(self, config: ToolGripperConfig | None = None):
        self.config = config or ToolGripperConfig()
        self.wanted: bool | None = None  # closed?
        self.confirmed: bool | None = None
        self.sent_at = -float("inf")
        self.failures = 0

    def command(self, value: float) -> None:
        """The newest gripper command; NaN or out of [0, 1] is ignored (never guessed)."""
        c = self.config
        if not 0.0 <= value <= 1.0:  # NaN fails this too
            return
        if value >= c.close_above:
            self.wanted = True
        elif value <= c.open_below:
            self.wanted = False

    def requests(self, closed: bool) -> list[tuple[int, int]]:
        """(pin, state) pairs that put the gripper in `closed`."""
        c = self.config
        pairs = [(c.close_pin, 1 if closed else 0)]
        if c.open_pin != -1:
            pairs.append((c.open_pin, 0 if closed else 1))
        return pairs

    def due(self, now: float) -> list[tuple[int, int]]:
        """What to send now: nothing when the driver confirmed the wanted state, or a
        request is in flight and not yet overdue."""
        if self.wanted is None or self.wanted == self.confirmed:
            return []
        if now - self.sent_at < self.config.retry_period:
            return []
        self.sent_at = now
        return self.requests(self.wanted)

    def answered(self, closed: bool, success: bool) -> None:
        if success:
            self.confirmed = closed
            self.sent_at = -float("inf")
        else:
            self.failures += 1
