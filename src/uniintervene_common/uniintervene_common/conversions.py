"""Conversions between numpy and the ROS messages every node uses (no rclpy, no
simulator: unit-testable and installable on the robot computer)."""

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import TwistStamped
from sensor_msgs.msg import CameraInfo, Image, JointState

from uniintervene_common.kinematics import JOINT_NAMES
from uniintervene_msgs.msg import ActionCommand

# The simulated two-finger gripper's joints (a real gripper driver may publish others).
FINGER_JOINTS = ["finger_left_joint", "finger_right_joint"]


def time_msg(seconds: float) -> Time:
    nanoseconds = round(seconds * 1e9)
    return Time(sec=nanoseconds // 1_000_000_000, nanosec=nanoseconds % 1_000_000_000)


def joint_state_msg(positions, velocities, finger_positions, stamp: Time) -> JointState:
    msg = JointState()
    msg.header.stamp = stamp
    msg.name = JOINT_NAMES + FINGER_JOINTS
    msg.position = [float(v) for v in (*positions, *finger_positions)]
    msg.velocity = [float(v) for v in (*velocities, 0.0, 0.0)]
    return msg


def arm_positions_from_joint_state(msg: JointState) -> np.ndarray | None:
    """The six UR joint angles in JOINT_NAMES order; None when any is missing or not finite."""
    names = list(msg.name)
    if len(msg.position) != len(names) or not all(n in names for n in JOINT_NAMES):
        return None
    q = np.array([msg.position[names.index(n)] for n in JOINT_NAMES])
    return q if np.all(np.isfinite(q)) else None


def gripper_closure_from_joint_state(msg: JointState, open_width: float) -> float | None:
    """Measured closure, 0 open ... 1 closed, from the finger joints (None without them)."""
    opening = finger_opening_from_joint_state(msg)
    return None if opening is None else 1.0 - opening / open_width


def proprio_from_joint_state(msg: JointState, open_width: float, gripper_fallback: float):
    """Proprioception as the critic, recovery and learner see it: the six arm joints, then
    the gripper's measured closure (`gripper_fallback`, e.g. the last command, where the
    joint states carry no fingers). None when an arm joint is missing or not finite."""
    arm = arm_positions_from_joint_state(msg)
    if arm is None:
        return None
    gripper = gripper_closure_from_joint_state(msg, open_width)
    return np.array([*arm, gripper_fallback if gripper is None else gripper], np.float32)


def finger_opening_from_joint_state(msg: JointState) -> float | None:
    names = list(msg.name)
    if not all(name in names for name in FINGER_JOINTS):
        return None
    return float(sum(msg.position[names.index(name)] for name in FINGER_JOINTS))


def image_msg(image: np.ndarray, stamp: Time, frame_id: str) -> Image:
    msg = Image()
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    msg.height, msg.width = int(image.shape[0]), int(image.shape[1])
    msg.encoding = "rgb8"
    msg.is_bigendian = 0
    msg.step = msg.width * 3
    msg.data = np.ascontiguousarray(image, dtype=np.uint8).tobytes()
    return msg


def image_from_msg(msg: Image) -> np.ndarray:
    """An rgb8 image as an H x W x 3 array; ValueError for other encodings or bad sizes."""
    if msg.encoding not in ("rgb8", "bgr8"):
        raise ValueError(f"unsupported image encoding {msg.encoding!r} (want rgb8 or bgr8)")
    expected = msg.height * msg.step
    if msg.step < msg.width * 3 or len(msg.data) != expected or msg.height == 0:
        raise ValueError(
            f"image data of {len(msg.data)} bytes does not match "
            f"{msg.width}x{msg.height} with step {msg.step}"
        )
    rows = np.frombuffer(bytes(msg.data), np.uint8).reshape(msg.height, msg.step)
    image = rows[:, : msg.width * 3].reshape(msg.height, msg.width, 3)
    return image[..., ::-1] if msg.encoding == "bgr8" else image


def camera_info_msg(
    width: int, height: int, fovy_degrees: float, stamp: Time, frame_id: str
) -> CameraInfo:
    """Pinhole intrinsics of the simulated camera (square pixels, no distortion)."""
    focal = 0.5 * height / np.tan(np.radians(fovy_degrees) / 2)
    msg = CameraInfo()
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    msg.width, msg.height = width, height
    msg.distortion_model = "plumb_bob"
    msg.d = [0.0] * 5
    msg.k = [focal, 0.0, width / 2, 0.0, focal, height / 2, 0.0, 0.0, 1.0]
    msg.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    msg.p = [focal, 0.0, width / 2, 0.0, 0.0, focal, height / 2, 0.0, 0.0, 0.0, 1.0, 0.0]
    return msg


def action_command_msg(
    action: np.ndarray, source: int, stamp: Time, frame_id: str = "base_link"
) -> ActionCommand:
    msg = ActionCommand()
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    msg.source = source
    set_twist(msg.twist, action)
    msg.gripper = float(action[6])
    return msg


def set_twist(twist, values) -> None:
    """Fill a geometry_msgs Twist from [vx, vy, vz, wx, wy, wz] (more values ignored)."""
    t = twist
    t.linear.x, t.linear.y, t.linear.z, t.angular.x, t.angular.y, t.angular.z = (
        float(v) for v in values[:6]
    )


def twist_stamped_msg(values, stamp: Time, frame_id: str) -> TwistStamped:
    msg = TwistStamped()
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    set_twist(msg.twist, values)
    return msg


def twist_to_array(twist) -> np.ndarray:
    return np.array(
        [
            twist.linear.x,
            twist.linear.y,
            twist.linear.z,
            twist.angular.x,
            twist.angular.y,
            twist.angular.z,
        ]
    )


def command_array(msg: ActionCommand) -> np.ndarray:
    """ActionCommand -> [vx, vy, vz, wx, wy, wz, gripper]."""
    return np.r_[twist_to_array(msg.twist), msg.gripper]
