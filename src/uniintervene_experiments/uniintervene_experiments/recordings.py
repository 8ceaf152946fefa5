"""supervisor_node's MCAP recordings -> training episodes (safetensors), for training the
critic and the recovery on your own cell's data.

One tick per executed command (`/uniintervene/command`, the supervisor's output every
control tick): the newest camera frame and joint state received before it, the executed
twist + gripper command, and who drove (its source); where the scene camera was recorded
too, its newest frame as the second view (`scene_images`). Labels:

- success: the recording's last `/uniintervene/control_mode` reason ("episode ended:
  success"), or the sim's TaskState; `labels` (file name -> true/false) overrides both.
- progress and warning: the sim's TaskState when recorded. The real cell has none, so the
  operator's takeovers are the labels: the `takeover_window` ticks before each human
  takeover are marked unproductive (what the HiL-SERL human judged so) and progress rises
  linearly over the episode (so no stall is labelled from it).
"""

import pathlib
import re

import cv2
import numpy as np
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import Image, JointState

from uniintervene_common import conversions as conv
from uniintervene_common import topics
from uniintervene_common.params import GRIPPER_OPEN_WIDTH
from uniintervene_critic.dataset import HUMAN, Episode
from uniintervene_msgs.msg import ActionCommand, ControlMode, TaskState
from uniintervene_supervisor.recorder import read_recording

TYPES = {  # the cell's relative names; a recording holds them under the cell's namespace
    topics.IMAGE: Image,
    topics.SCENE_IMAGE: Image,
    topics.JOINT_STATES: JointState,
    topics.EXECUTED: ActionCommand,
    topics.CONTROL_MODE: ControlMode,
    topics.TASK_STATE: TaskState,
}
NAME = re.compile(r"^\d{8}-\d{6}_(?P<task>.+)_(?P<seed>\d+)\.mcap$")  # supervisor_node's names


class RecordingError(ValueError):
    """A recording cannot become a training episode (and why)."""


def relative_name(topic: str) -> str | None:
    """The contract name a recorded topic stands for ('/cell_2/joint_states' ->
    'joint_states'), or None for topics an episode is not built from."""
    return next((name for name in TYPES if topic == name or topic.endswith("/" + name)), None)


def takeover_warnings(sources: np.ndarray, window: int) -> np.ndarray:
    """Flag the `window` ticks before each human takeover (HUMAN after a non-HUMAN tick)."""
    human = np.asarray(sources) == HUMAN
    flags = np.zeros(len(human), np.uint8)
    for t in np.flatnonzero(human[1:] & ~human[:-1]) + 1:
        flags[max(0, t - window) : t] = 1
    return flags


def resized_frame(path, msg: Image, size: int, what: str) -> np.ndarray:
    try:
        frame = conv.image_from_msg(msg)
    except ValueError as error:
        raise RecordingError(f"{path}: {what}: {error}") from error
    return cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)


def episode_from_recording(
    path,
    success: bool | None = None,
    image_size: int = 128,
    gripper_open_width: float = GRIPPER_OPEN_WIDTH.default,
    takeover_window: int = 20,
) -> Episode:
    path = pathlib.Path(path)
    ticks, outcome = recorded_ticks(path)
    rows = tick_rows(path, ticks, image_size, gripper_open_width)
    tasks = [row[3] for row in ticks]
    task = tasks[-1]
    sources = np.array(rows["sources"], np.uint8)
    if task is not None:  # the sim's privileged state was recorded
        progress = np.array([t.progress for t in tasks], np.float32)
        warning = np.array([t.warning for t in tasks], np.uint8)
        success = bool(task.success) if success is None and task.success else success
    else:
        progress = np.linspace(0.0, 1.0, len(ticks), dtype=np.float32)
        warning = takeover_warnings(sources, takeover_window)
    if success is None and outcome:
        success = outcome == "success"
    if success is None:
        raise RecordingError(f"{path}: no outcome recorded; give its success in the labels file")
    match = NAME.match(path.name)
    return Episode(
        task=match["task"] if match else path.stem,
        seed=int(match["seed"]) if match else 0,
        images=np.stack(rows["images"]).astype(np.uint8),
        scene_images=np.stack(rows["scene_images"]) if rows["scene_images"] else None,
        joint_pos=np.array(rows["joint_pos"], np.float32),
        gripper=np.array(rows["gripper"], np.float32),
        actions=np.array(rows["actions"], np.float32),
        sources=sources,
        progress=progress,
        warning=warning,
        success=bool(success),
        failure_reason="" if success else (outcome or "labelled failure"),
    )


def recorded_ticks(path: pathlib.Path) -> tuple[list, str]:
    """One row per executed command: [command, newest image, joint state, task state and
    scene image before it] (a tick before a stream's first message takes that message),
    and the recorded outcome ('' when none)."""
    latest = {topic: None for topic in TYPES}
    ticks = []
    outcome = ""
    for recorded, _, cdr, _ in read_recording(path):
        topic = relative_name(recorded)
        if topic is None:
            continue
        msg = deserialize_message(cdr, TYPES[topic])
        latest[topic] = msg
        if topic == topics.CONTROL_MODE and msg.reason.startswith("episode ended: "):
            outcome = msg.reason.removeprefix("episode ended: ")
        elif topic == topics.EXECUTED:
            ticks.append(
                [msg, latest[topics.IMAGE], latest[topics.JOINT_STATES], latest[topics.TASK_STATE]]
                + [latest[topics.SCENE_IMAGE]]
            )
    for column, what in ((1, "camera frame"), (2, "joint state")):
        if not ticks or all(row[column] is None for row in ticks):
            raise RecordingError(f"{path}: {len(ticks)} control ticks and no {what}")
    for column in (1, 2, 3, 4):  # ticks before a stream's first message take that message
        first = next((row[column] for row in ticks if row[column] is not None), None)
        for row in ticks:
            row[column] = first if row[column] is None else row[column]
            first = row[column]
    return ticks, outcome


def tick_rows(path, ticks: list, image_size: int, gripper_open_width: float) -> dict:
    """The episode's arrays, row by row: frames, joints, gripper closure, actions, sources."""
    rows = {k: [] for k in ("images", "scene_images", "joint_pos", "gripper", "actions", "sources")}
    for command, image, joint_state, _, scene in ticks:
        arm = conv.arm_positions_from_joint_state(joint_state)
        if arm is None:
            raise RecordingError(f"{path}: joint states without the UR arm's joints")
        closure = conv.gripper_closure_from_joint_state(joint_state, gripper_open_width)
        action = np.r_[conv.twist_to_array(command.twist), command.gripper]
        if closure is None:
            closure = action[6] if np.isfinite(action[6]) else 0.0
        if not np.isfinite(action[6]):  # no gripper command known: it stayed put
            action[6] = closure
        rows["images"].append(resized_frame(path, image, image_size, "camera frame"))
        if scene is not None:
            rows["scene_images"].append(resized_frame(path, scene, image_size, "scene frame"))
        rows["joint_pos"].append(arm)
        rows["gripper"].append([closure])
        rows["actions"].append(np.nan_to_num(action))
        rows["sources"].append(command.source)
    return rows
