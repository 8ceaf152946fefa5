"""gripper_io_node: the supervisor's uniintervene/gripper/command (std_msgs/Float64, 0 open
... 1 closed) to a gripper wired to the UR's tool digital outputs, through the UR driver's
io_and_status_controller/set_io (ur_msgs/srv/SetIO). For a gripper with a driver of its
own (Robotiq, OnRobot), run that driver instead and remap its command topic.
"""

import sys
import time

from diagnostic_msgs.msg import DiagnosticArray
from std_msgs.msg import Float64

from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters, fields_of
from uniintervene_supervisor.gripper_io import FUN_SET_DIGITAL_OUT, ToolGripper, ToolGripperConfig
from uniintervene_supervisor.schema import GRIPPER_IO_NODE


class GripperIONode(GuardedNode):
    def __init__(self):
        super().__init__("gripper_io_node")
        self.p = declare_parameters(self, GRIPPER_IO_NODE)
        self.gripper = ToolGripper(ToolGripperConfig(**fields_of(self.p, ToolGripperConfig)))
        self.problem = ""
        self.client = None
        if self.p.mock_hardware:  # ur_robot_driver's mock hardware refuses set_io
            self.get_logger().info("mock hardware: the tool outputs are not set")
        else:
            self.connect()
        self.create_subscription(Float64, topics.GRIPPER, self.on_command, qos.COMMANDS)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.create_timer(0.05, self.send)
        self.create_timer(1.0, self.publish_diagnostics)

    def connect(self) -> None:
        try:
            from ur_msgs.srv import SetIO

            self.set_io = SetIO
            self.client = self.create_client(SetIO, topics.SET_IO)
        except ImportError:
            self.problem = "ur_msgs is not installed: no way to set the tool outputs"
            self.get_logger().error(self.problem)

    def on_command(self, msg: Float64) -> None:
        self.gripper.command(float(msg.data))

    def send(self) -> None:
        if self.client is None:
            return
        if not self.client.service_is_ready():
            self.problem = f"{self.client.srv_name} is not available (UR driver running?)"
            return
        closed = self.gripper.wanted
        for pin, state in self.gripper.due(time.monotonic()):
            request = self.set_io.Request(fun=FUN_SET_DIGITAL_OUT, pin=pin, state=float(state))
            future = self.client.call_async(request)
            future.add_done_callback(lambda f, c=closed: self.on_answer(c, f))

    def on_answer(self, closed: bool, future) -> None:
        reply = future.result()
        success = bool(reply is not None and reply.success)
        self.gripper.answered(closed, success)
        self.problem = "" if success else "the UR driver refused set_io"

    def publish_diagnostics(self) -> None:
        g = self.gripper
        values = {
            "wanted_closed": g.wanted,
            "confirmed_closed": g.confirmed,
            "failed_requests": g.failures,
        }
        level = "WARN" if self.problem else "OK"
        message = self.problem or (
            "mock hardware: the gripper command is not sent to any output"
            if self.p.mock_hardware
            else "tool outputs follow the gripper command"
        )
        self.diag_pub.publish(
            diagnostics(self, "uniintervene_supervisor", level, message, values, "gripper")
        )


def main(args=None) -> int:
    return run(GripperIONode, args)


if __name__ == "__main__":
    sys.exit(main())
