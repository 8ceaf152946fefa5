"""Conversions between the sim core's scene and task state and ROS messages (no rclpy).
The conversions every node shares are in uniintervene_common.conversions."""

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import Pose as PoseMsg

from uniintervene_msgs.msg import TaskState
from uniintervene_sim.scene import Pose, Scene, TaskStatus


def pose_to_msg(pose: Pose) -> PoseMsg:
    msg = PoseMsg()
    msg.position.x, msg.position.y, msg.position.z = (float(v) for v in pose.position)
    q = pose.quaternion
    msg.orientation.x, msg.orientation.y, msg.orientation.z, msg.orientation.w = (
        float(q[0]),
        float(q[1]),
        float(q[2]),
        float(q[3]),
    )
    return msg


def pose_from_msg(msg: PoseMsg) -> Pose:
    return Pose(
        np.array([msg.position.x, msg.position.y, msg.position.z]),
        np.array([msg.orientation.x, msg.orientation.y, msg.orientation.z, msg.orientation.w]),
    )


def task_state_msg(
    task: str, seed: int, scene: Scene, status: TaskStatus, stamp: Time, frame_id: str = "base_link"
) -> TaskState:
    msg = TaskState()
    msg.header.stamp, msg.header.frame_id = stamp, frame_id
    msg.task, msg.seed = task, int(seed)
    msg.progress = float(status.progress)
    msg.success, msg.failure = bool(status.success), bool(status.failure)
    msg.failure_reason = status.failure_reason
    msg.warning = bool(status.warning)
    msg.elapsed = float(scene.time)
    msg.tcp_pose = pose_to_msg(scene.tcp)
    msg.gripper = float(scene.gripper_command)
    msg.tool_force = float(scene.tool_force)
    msg.object_names = list(scene.objects)
    msg.object_poses = [pose_to_msg(pose) for pose in scene.objects.values()]
    return msg


def status_from_task_state(msg: TaskState) -> TaskStatus:
    return TaskStatus(
        progress=float(msg.progress),
        success=bool(msg.success),
        failure=bool(msg.failure),
        failure_reason=msg.failure_reason,
        warning=bool(msg.warning),
    )


def scene_from_task_state(msg: TaskState, finger_opening: float) -> Scene:
    return Scene(
        time=float(msg.elapsed),
        tcp=pose_from_msg(msg.tcp_pose),
        gripper_command=float(msg.gripper),
        finger_opening=finger_opening,
        tool_force=float(msg.tool_force),
        objects={
            name: pose_from_msg(pose)
            for name, pose in zip(msg.object_names, msg.object_poses, strict=True)
        },
    )
