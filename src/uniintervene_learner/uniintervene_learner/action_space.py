"""The learned policy's action space: a few TCP axes and the gripper, each in [-1, 1],
scaled per task (HiL-SERL restricts each task's action space the same way), mapped to and
from the 7-number command the supervisor executes (twist in base_link + gripper 0..1).

Intervention transitions store the *executed* command, mapped back into this space and
clipped, never the policy's proposal.
"""

from dataclasses import dataclass, field

import numpy as np

AXES = ("x", "y", "z", "roll", "pitch", "yaw")


@dataclass
class ActionSpaceConfig:
    axes: list = field(default_factory=lambda: ["x", "y", "z", "yaw"])  # what the policy moves
    linear_scale: float = 0.1  # m/s at action 1
    angular_scale: float = 0.5  # rad/s at action 1
    gripper: bool = True  # the last action dimension opens (-1) or closes (+1) the gripper
    # True: the gripper action's sign opens or closes it fully (HiL-SERL gives the grasp a
    # discrete head). Off by default: on pick_eggplant it learned worse than the continuous
    # command (docs/learner.md), as exploration noise around 0 flips it open and shut.
    gripper_binary: bool = False

    def __post_init__(self):
        unknown = set(self.axes) - set(AXES)
        if unknown or not self.axes:
            raise ValueError(f"axes must be a non-empty subset of {AXES}, got {self.axes}")


class ActionSpace:
    def __init__(self, config: ActionSpaceConfig | None = None):
        self.config = c = config or ActionSpaceConfig()
        self.indices = [AXES.index(axis) for axis in c.axes]
        self.scales = np.array([c.linear_scale if i < 3 else c.angular_scale for i in self.indices])

    @property
    def dim(self) -> int:
        return len(self.indices) + int(self.config.gripper)

    def to_command(self, action, gripper_now: float = 0.0) -> np.ndarray:
        """[-1, 1]^dim -> [twist (6), gripper]; without a gripper axis it stays as it is."""
        action = np.clip(np.asarray(action, float), -1.0, 1.0)
        command = np.zeros(7)
        command[self.indices] = action[: len(self.indices)] * self.scales
        if not self.config.gripper:
            command[6] = gripper_now
        elif self.config.gripper_binary:
            command[6] = float(action[-1] > 0.0)
        else:
            command[6] = (action[-1] + 1.0) / 2.0
        return command

    def from_command(self, command) -> np.ndarray:
        """The executed command in this space (axes it cannot express are dropped)."""
        command = np.asarray(command, float)
        action = command[self.indices] / self.scales
        if self.config.gripper:
            gripper = command[6] if np.isfinite(command[6]) else 0.0
            action = np.r_[action, 2.0 * gripper - 1.0]
        return np.clip(action, -1.0, 1.0).astype(np.float32)


def task_action_space(task: str, path=None) -> ActionSpaceConfig:
    """The task's action space from a YAML of `tasks:` (default: config/action_spaces.yaml
    of this package)."""
    import pathlib

    import yaml

    if not path:
        from ament_index_python.packages import get_package_share_directory

        share = pathlib.Path(get_package_share_directory("uniintervene_learner"))
        path = share / "config" / "action_spaces.yaml"
    tasks = yaml.safe_load(pathlib.Path(path).read_text())["tasks"]
    if task not in tasks:
        raise ValueError(f"no action space for {task!r} in {path}; have {sorted(tasks)}")
    return ActionSpaceConfig(**tasks[task])
