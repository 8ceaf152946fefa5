"""sim_node: the simulated cell behind the same topics as the UR driver, MoveIt Servo and
the RealSense node, so the stack runs unchanged on it.

In: /servo_node/delta_twist_cmds (TwistStamped, base frame; the arm stops when commands
go stale, as MoveIt Servo does), /uniintervene/gripper/command (Float64, 0 open ... 1
closed). Out: /joint_states, the camera image and camera_info (sensor-data QoS), /clock,
/io_and_status_controller/robot_program_running (transient local), the privileged
/uniintervene/sim/task_state, /diagnostics. Service: /uniintervene/sim/reset.
"""

import sys
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import TwistStamped
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Bool, Float64

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_common.node import GuardedNode, diagnostics, run
from uniintervene_common.params import declare_parameters
from uniintervene_msgs.msg import TaskState
from uniintervene_msgs.srv import ResetTask
from uniintervene_sim import ros_conversions as sim_conv
from uniintervene_sim.cell import SimCell
from uniintervene_sim.model import CONTROL_PERIOD, CameraConfig
from uniintervene_sim.schema import SIM_NODE


class SimNode(GuardedNode):
    def __init__(self):
        super().__init__("sim_node")
        self.p = declare_parameters(self, SIM_NODE)
        task, seed, render = self.p.task, self.p.seed, self.p.render
        rate = self.p.real_time_factor
        camera = CameraConfig(
            mount=self.p.camera_mount, width=self.p.image_width, height=self.p.image_height
        )
        self.base_frame, self.camera_frame = self.p.base_frame, self.p.camera_frame
        self.cell = SimCell(task, camera=camera, render=render)
        self.cell.reset(seed=seed)
        self.sim_time = 0.0
        self.twist = np.zeros(6)
        self.twist_received_at = -np.inf
        self.gripper = self.cell.gripper
        self.rejected_commands = 0
        self.overruns = 0

        self.joint_pub = self.create_publisher(JointState, topics.JOINT_STATES, 10)
        self.image_pub = self.create_publisher(Image, topics.IMAGE, qos.SENSOR)
        self.info_pub = self.create_publisher(CameraInfo, topics.CAMERA_INFO, qos.SENSOR)
        if camera.mount == "both":
            self.scene_image_pub = self.create_publisher(Image, topics.SCENE_IMAGE, qos.SENSOR)
            self.scene_info_pub = self.create_publisher(
                CameraInfo, topics.SCENE_CAMERA_INFO, qos.SENSOR
            )
        self.clock_pub = self.create_publisher(Clock, "clock", 10)
        self.program_pub = self.create_publisher(Bool, topics.PROGRAM_RUNNING, qos.LATCHED)
        self.state_pub = self.create_publisher(TaskState, topics.TASK_STATE, 10)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, 10)
        self.create_subscription(TwistStamped, topics.SERVO_TWIST, self.on_twist, 10)
        self.create_subscription(Float64, topics.GRIPPER, self.on_gripper, 10)
        self.create_service(ResetTask, topics.SIM_RESET, self.on_reset)
        self.program_pub.publish(Bool(data=True))
        self.create_timer(CONTROL_PERIOD / rate, self.tick)
        self.create_timer(1.0, self.publish_diagnostics)
        self.get_logger().info(
            f"simulating {task} (seed {seed}), camera {camera.mount} {camera.width}x"
            f"{camera.height}, {1 / CONTROL_PERIOD:.0f} Hz x{rate}"
        )

    # -- inputs -------------------------------------------------------------------------
    def on_twist(self, msg: TwistStamped) -> None:
        twist = conv.twist_to_array(msg.twist)
        if not np.all(np.isfinite(twist)):
            return self._reject("non-finite twist")
        if msg.header.frame_id not in ("", self.base_frame):
            return self._reject(f"twist in frame {msg.header.frame_id!r}, want {self.base_frame}")
        self.twist = twist
        self.twist_received_at = time.monotonic()

    def on_gripper(self, msg: Float64) -> None:
        if not np.isfinite(msg.data):
            return self._reject("non-finite gripper command")
        self.gripper = float(np.clip(msg.data, 0.0, 1.0))

    def _reject(self, why: str) -> None:
        self.rejected_commands += 1
        self.get_logger().warn(f"ignored command: {why}", throttle_duration_sec=2.0)

    def on_reset(self, request, response):
        task = request.task or self.cell.task_name
        try:
            self.cell.reset(task, request.seed)
        except ValueError as error:
            response.success, response.message = False, str(error)
            return response
        self.twist[:] = 0.0
        self.twist_received_at = -np.inf
        self.gripper = self.cell.gripper
        response.success, response.message = True, f"reset {task} with seed {request.seed}"
        self.get_logger().info(response.message)
        return response

    def publish_view(self, image_pub, info_pub, image, stamp, prefix: str) -> None:
        frame = prefix + self.camera_frame
        image_pub.publish(conv.image_msg(image, stamp, frame))
        camera = self.cell.camera
        info_pub.publish(
            conv.camera_info_msg(camera.width, camera.height, camera.fovy, stamp, frame)
        )

    # -- the control tick ---------------------------------------------------------------
    def commands_stale(self) -> bool:
        return time.monotonic() - self.twist_received_at > self.p.command_timeout

    def tick(self) -> None:
        started = time.monotonic()
        # twist_tracking < 1 plays a controller that lags (MoveIt Servo's Float64MultiArray)
        twist = np.zeros(6) if self.commands_stale() else self.twist * self.p.twist_tracking
        self.cell.step(np.concatenate([twist, [self.gripper]]))
        self.sim_time += CONTROL_PERIOD
        stamp = conv.time_msg(self.sim_time)
        self.clock_pub.publish(Clock(clock=stamp))
        observation = self.cell.observation()
        fingers = self.cell.finger_positions()
        self.joint_pub.publish(
            conv.joint_state_msg(observation["joint_pos"], observation["joint_vel"], fingers, stamp)
        )
        if self.cell.render_enabled:
            self.publish_view(self.image_pub, self.info_pub, observation["image"], stamp, "")
            if "scene_image" in observation:
                self.publish_view(
                    self.scene_image_pub, self.scene_info_pub, observation["scene_image"], stamp,
                    "scene_",
                )  # fmt: skip
        self.state_pub.publish(
            sim_conv.task_state_msg(
                self.cell.task_name,
                self.cell.seed,
                self.cell.scene(),
                self.cell.status(),
                stamp,
                self.base_frame,
            )
        )
        if time.monotonic() - started > CONTROL_PERIOD:
            self.overruns += 1

    def publish_diagnostics(self) -> None:
        level = "WARN" if self.rejected_commands else "OK"
        message = "commands stale: arm holding" if self.commands_stale() else "streaming commands"
        task_status = self.cell.status()
        values = {
            "task": self.cell.task_name,
            "seed": self.cell.seed,
            "sim_time": f"{self.sim_time:.1f}",
            "progress": f"{task_status.progress:.2f}",
            "rejected_commands": self.rejected_commands,
            "tick_overruns": self.overruns,
        }
        self.diag_pub.publish(
            diagnostics(self, "uniintervene_sim", level, message, values, "mujoco")
        )


def main(args=None):
    return run(SimNode, args)


if __name__ == "__main__":
    sys.exit(main())
