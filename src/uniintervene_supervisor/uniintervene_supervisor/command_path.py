"""What stands between a safe twist and a moving arm on the real cell (no ROS): the
controller MoveIt Servo streams into must be active, and Servo must not have halted.

`ControllerWatch` lists the controller manager's controllers every `period` and says the
command controller (`forward_position_controller`, ur_robot_driver's
`ur_control.launch.py`) is inactive until it is listed `active`; while an episode wants
the arm it activates it with `switch_controller` (STRICT), deactivating the active
controllers that claim the joints it needs (ur_robot_driver starts
`scaled_joint_trajectory_controller` on them). Without it Servo publishes into a
controller nobody runs and the arm stands still while the supervisor reports POLICY.
Checked against ros2_control jazzy (`controller_manager_msgs/srv/ListControllers.srv`,
`SwitchController.srv`, `msg/ControllerState.msg`).

`ServoHalt` reads Servo's status (moveit_servo 2.12, `servo_node/status`,
`moveit_msgs/msg/ServoStatus`): a halt (singularity, collision, joint bound, invalid)
is a HOLD of the autonomous sources for `hold_seconds` after the last halt report, so the
policy does not push on into it; the human may still drive out (Servo scales the human's
twist itself). Decelerations are counted for the diagnostics.
"""

from collections import Counter
from dataclasses import dataclass

# ServoStatus codes (moveit_msgs 2.6.0 / moveit_servo StatusCode)
SERVO_CODES = {
    -1: "INVALID",
    0: "NO_WARNING",
    1: "DECELERATE_FOR_APPROACHING_SINGULARITY",
    2: "HALT_FOR_SINGULARITY",
    3: "DECELERATE_FOR_LEAVING_SINGULARITY",
    4: "DECELERATE_FOR_COLLISION",
    5: "HALT_FOR_COLLISION",
    6: "JOINT_BOUND",
}
SERVO_HALTS = {-1, 2, 5, 6}


@dataclass
class Controller:
    """The fields of controller_manager_msgs/ControllerState this needs."""

    name: str
    state: str
    claimed_interfaces: tuple = ()
    required_command_interfaces: tuple = ()


class ControllerWatch:
    def __init__(self, controller: str = "forward_position_controller", activate: bool = True,
                 period: float = 1.0, reply_timeout: float = 2.0):  # fmt: skip
        self.controller, self.activate = controller, activate
        self.period, self.reply_timeout = period, reply_timeout
        self.active = False  # listed active by the last answer
        self.problem = "controller_manager/list_controllers not answered yet"
        self.switches = 0  # switch requests sent
        self.refusal = ""  # why the last switch did not activate it
        self.listed: list[Controller] = []
        self._list = self._switch = None  # (future, sent at)
        self._next_list = 0.0
        self._listed_since_switch = False  # switch again only on a newer list,
        self._next_switch = 0.0  # and at most once a period

    @property
    def fault(self) -> str:
        """'' while the command controller is active; why not otherwise (a HOLD reason)."""
        return "" if self.active else self.problem

    def step(self, now: float, available: bool, list_call, switch_call, wanted: bool) -> None:
        """available: both services are there; list_call() and switch_call(activate,
        deactivate) send a request and return its future; wanted: an episode wants the
        arm (only then is another controller switched off)."""
        if not available:
            if self.active or self._list is not None:
                self.problem = "controller_manager's services vanished"
            self.active, self._list, self._switch = False, None, None
            return
        self._collect_switch(now)
        if self._list is not None:
            future, sent = self._list
            if future.done():
                self._list = None
                self._on_list(future.result())
            elif now - sent > self.reply_timeout:
                self._list, self.active = None, False
                self.problem = "controller_manager/list_controllers did not answer"
        if self._list is None and now >= self._next_list:
            self._list, self._next_list = (list_call(), now), now + self.period
        if (not self.active and wanted and self.activate and self._listed_since_switch
                and now >= self._next_switch):  # fmt: skip
            request = self.switch_request()
            if request is not None:
                self._switch = (switch_call(*request), now)
                self._listed_since_switch, self._next_switch = False, now + self.period
                self.switches += 1

    def _collect_switch(self, now: float) -> None:
        if self._switch is None:
            return
        future, sent = self._switch
        if future.done():
            self._switch = None
            reply = future.result()
            self.refusal = ""
            if reply is None or not reply.ok:
                message = getattr(reply, "message", "") if reply is not None else ""
                self.refusal = "switch_controller refused" + (f": {message}" if message else "")
            self._next_list = now  # see what the switch did at once
        elif now - sent > self.reply_timeout:
            self._switch, self.refusal = None, "switch_controller did not answer"

    def _on_list(self, reply) -> None:
        self._listed_since_switch = self._switch is None
        if reply is None:
            self.active, self.problem = False, "list_controllers failed"
            return
        self.listed = [
            Controller(c.name, c.state, tuple(c.claimed_interfaces),
                       tuple(c.required_command_interfaces))
            for c in reply.controller
        ]  # fmt: skip
        mine = [c for c in self.listed if c.name == self.controller]
        if not mine:
            self.active = False
            self.problem = f"{self.controller} is not loaded in the controller manager"
            return
        self.active = mine[0].state == "active"
        if not self.active:
            self.problem = f"{self.controller} is {mine[0].state}, not active" + (
                f" ({self.refusal})" if self.refusal else ""
            )

    def switch_request(self) -> tuple[list, list] | None:
        """(activate, deactivate): the command controller, and the active controllers
        claiming an interface it needs. None when it is not loaded."""
        mine = [c for c in self.listed if c.name == self.controller]
        if not mine:
            return None
        needed = set(mine[0].required_command_interfaces)
        blocking = [
            c.name
            for c in self.listed
            if c.state == "active" and c.name != self.controller
            and needed & set(c.claimed_interfaces)
        ]  # fmt: skip
        return [self.controller], blocking


class ServoHalt:
    def __init__(self, hold_seconds: float = 1.0):
        self.hold_seconds = hold_seconds
        self.counts = Counter()  # status code name -> reports
        self.last = ""  # the last halt, with Servo's message
        self._halted_at = -float("inf")

    def on_status(self, code: int, message: str, now: float) -> None:
        name = SERVO_CODES.get(code, f"code {code}")
        self.counts[name] += 1
        if code in SERVO_HALTS:
            self._halted_at = now
            self.last = name + (f" ({message})" if message else "")

    def fault(self, now: float) -> str:
        """'' unless Servo reported a halt in the last hold_seconds (a HOLD reason then)."""
        if now - self._halted_at <= self.hold_seconds:
            return f"MoveIt Servo halted: {self.last}"
        return ""
