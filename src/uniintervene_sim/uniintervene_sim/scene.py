"""Privileged snapshots of the cell: what the scripted expert, the simulated operator and
evaluation see. The critic never does (it sees camera images and joints only)."""

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

# Tool pointing straight down (tool z = -world z), fingers (tool x) along world x at yaw 0.
TOOL_DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
# Tool pointing along +x (toward a wall in front of the robot), fingers along world y.
TOOL_FORWARD = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def tool_down(yaw: float) -> np.ndarray:
    return Rotation.from_euler("z", yaw).as_matrix() @ TOOL_DOWN


def wrap_angle(angle: float) -> float:
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


def yaw_of(rotation: np.ndarray) -> float:
    """Heading of the tool's x axis (the finger axis) in the horizontal plane."""
    return float(np.arctan2(rotation[1, 0], rotation[0, 0]))


@dataclass(eq=False)
class Pose:
    position: np.ndarray
    quaternion: np.ndarray  # x, y, z, w (scipy's order)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Pose)
            and np.array_equal(self.position, other.position)
            and np.array_equal(self.quaternion, other.quaternion)
        )

    __hash__ = None  # holds mutable arrays

    @property
    def rotation(self) -> np.ndarray:
        return Rotation.from_quat(self.quaternion).as_matrix()

    @classmethod
    def from_matrix(cls, position, rotation) -> "Pose":
        return cls(np.array(position, dtype=float), Rotation.from_matrix(rotation).as_quat())


@dataclass
class Scene:
    """One tick of privileged state, in the robot base frame (metres, newtons, seconds)."""

    time: float
    tcp: Pose
    gripper_command: float  # 0 open ... 1 closed
    finger_opening: float  # distance between the fingers, m
    tool_force: float  # contact force on the tool or the held object, N
    objects: dict[str, Pose] = field(default_factory=dict)

    def holding(self, name: str, radius: float = 0.035) -> bool:
        """The gripper is closed on the object (not on air) and it sits between the fingers."""
        if name not in self.objects or self.gripper_command < 0.5 or self.finger_opening < 0.004:
            return False
        return bool(np.linalg.norm(self.objects[name].position - self.tcp.position) < radius)

    def vector(self) -> np.ndarray:
        """The privileged state as one flat vector (the learner's ceiling observation):
        the tool's position and orientation, gripper, contact force, and each object's
        offset from the tool and orientation, objects in name order. Scaled so what varies
        between layouts is of order one: positions in decimetres, offsets also in
        centimetres near the tool, orientations as the rotation matrix's first two columns
        (continuous, unlike a quaternion's sign), the force in tens of newtons, capped."""

        def rotation(p: Pose) -> np.ndarray:
            return p.rotation[:, :2].T.ravel()

        parts = [10 * self.tcp.position, rotation(self.tcp)]
        parts.append([self.gripper_command, 10 * self.finger_opening])
        parts.append([min(self.tool_force / 10.0, 5.0)])
        for name in sorted(self.objects):
            pose = self.objects[name]
            offset = pose.position - self.tcp.position
            # and in centimetres, capped at 3: a grasp or an insertion is decided in the
            # last few millimetres (what a wrist camera magnifies)
            parts += [10 * offset, np.clip(100 * offset, -3.0, 3.0), rotation(pose)]
        return np.concatenate([np.asarray(p, np.float32).ravel() for p in parts])


@dataclass
class TaskStatus:
    progress: float  # 0 ... 1
    success: bool = False
    failure: bool = False
    failure_reason: str = ""
    # Heading toward failure (for the simulated operator): e.g. rising contact force.
    warning: bool = False
