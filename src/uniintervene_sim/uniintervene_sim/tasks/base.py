"""What every task provides: its objects, a seeded reset, privileged status, an expert."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from uniintervene_common.kinematics import rotation_error
from uniintervene_sim.scene import Pose, Scene, TaskStatus, wrap_angle, yaw_of

# Centre of the reachable work area on the table, robot base frame, metres.
WORK_CENTRE = np.array([0.42, 0.13, 0.0])
MAX_LINEAR_SPEED = 0.25  # m/s, as the supervisor's default safety limit
MAX_ANGULAR_SPEED = 1.0  # rad/s


@dataclass
class ResetPlan:
    """The initial state a task asks the cell for."""

    tcp: np.ndarray  # 4x4 TCP pose in the base frame
    gripper: float  # 0 open ... 1 closed
    placements: dict[str, Pose] = field(default_factory=dict)  # free bodies and fixtures
    held: str | None = None  # object that starts between the closed fingers
    held_width: float = 0.0  # its width across the fingers, m
    # flex name -> (vertices, 3) positions the cloth starts at (flat, before settling)
    flex_vertices: dict[str, np.ndarray] = field(default_factory=dict)


def yaw_quat(yaw: float) -> np.ndarray:
    return Rotation.from_euler("z", yaw).as_quat()


def servo_action(
    scene: Scene,
    goal_position,
    goal_rotation,
    gripper: float,
    max_speed: float = 0.15,
    gain: float = 3.0,
    rot_gain: float = 2.5,
) -> np.ndarray:
    """The expert's motion primitive: a proportional twist toward a goal TCP pose."""
    linear = gain * (np.asarray(goal_position) - scene.tcp.position)
    speed = np.linalg.norm(linear)
    if speed > max_speed:
        linear *= max_speed / speed
    angular = np.clip(
        rot_gain * rotation_error(scene.tcp.rotation, goal_rotation),
        -MAX_ANGULAR_SPEED,
        MAX_ANGULAR_SPEED,
    )
    return np.concatenate([linear, angular, [gripper]])


def nearest_symmetric_yaw(current: float, target: float) -> float:
    """A parallel gripper is symmetric under a half turn: pick the closer of target, target+pi."""
    options = [target, target + np.pi, target - np.pi]
    return min(options, key=lambda yaw: abs(wrap_angle(yaw - current)))


def tcp_yaw(scene: Scene) -> float:
    return yaw_of(scene.tcp.rotation)


class Task(ABC):
    """A seeded, randomised task of the cell. One instance runs one episode at a time."""

    name: str = ""
    episode_seconds: float = 30.0
    # Geom names whose contacts make up the tool force (the held object or the tool).
    force_geoms: tuple[str, ...] = ()
    # The flex the gripper pinches (pinch.Pinch) and how far from the TCP it reaches, m.
    pinched_flex: str | None = None
    pinch_radius: float = 0.0
    # The base policy's unproductive behaviours that make sense on this task.
    fault_modes: tuple[str, ...] = ("stall", "misaligned", "jam", "drift")

    def assets_xml(self) -> str:
        return ""

    def equality_xml(self) -> str:
        """Equality constraints the task needs (e.g. pinch slots), inside <equality>."""
        return ""

    @abstractmethod
    def bodies_xml(self) -> str:
        """Worldbody XML of the task's objects (free bodies) and fixtures (mocap bodies)."""

    @abstractmethod
    def reset(self, rng: np.random.Generator) -> ResetPlan:
        """Sample a new layout; remember what status() compares against."""

    @abstractmethod
    def status(self, scene: Scene) -> TaskStatus:
        """Privileged progress, success and failure of the current episode."""

    @abstractmethod
    def expert(self, scene: Scene, target_offset=None) -> np.ndarray:
        """The scripted expert's action (twist + gripper) from any state of the episode.

        target_offset shifts where the expert believes its target is: the base policy's
        "misaligned approach" failure mode.
        """

    def geom_colors(self) -> dict[str, tuple[float, float, float, float]]:
        """Visual state changes to show in the camera image (e.g. wiped cells)."""
        return {}


class ForceMonitor:
    """Smoothed contact force and how long it has stayed excessive.

    Contact onsets spike for a few milliseconds; what breaks parts (and what an operator
    reacts to) is force sustained over a fraction of a second.
    """

    def __init__(
        self, warn: float, fail: float, fail_after: float = 1.5, time_constant: float = 0.3
    ):
        self.warn, self.fail, self.fail_after, self.time_constant = (
            warn,
            fail,
            fail_after,
            time_constant,
        )
        self.reset()

    def reset(self) -> None:
        self.smoothed = 0.0
        self.last_time = None
        self.excessive_since = None

    def update(self, time: float, force: float) -> None:
        if self.last_time is None or time < self.last_time:
            self.smoothed = force
        elif time > self.last_time:
            alpha = 1.0 - np.exp(-(time - self.last_time) / self.time_constant)
            self.smoothed += alpha * (force - self.smoothed)
        self.last_time = time
        if self.smoothed > self.fail:
            self.excessive_since = time if self.excessive_since is None else self.excessive_since
        else:
            self.excessive_since = None

    @property
    def warning(self) -> bool:
        return self.smoothed > self.warn

    def failed(self, time: float) -> bool:
        return self.excessive_since is not None and time - self.excessive_since >= self.fail_after
