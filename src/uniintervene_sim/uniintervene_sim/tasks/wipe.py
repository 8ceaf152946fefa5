"""Wipe a marked region of a vertical surface while keeping the contact force in a band.

The region is a 4 x 3 grid of 30 mm cells on a wall in front of the robot. A cell counts
as wiped when the held sponge's face passes over it while pressing with a force inside
[FORCE_LOW, FORCE_HIGH]; wiped cells turn from red to green in the camera image.
"""

import numpy as np
from scipy.spatial.transform import Rotation

from uniintervene_sim.scene import TOOL_FORWARD, Pose, Scene, TaskStatus
from uniintervene_sim.tasks.base import WORK_CENTRE, ForceMonitor, ResetPlan, Task, servo_action

COLUMNS, ROWS, PITCH = 4, 3, 0.03
SPONGE_HALF = (0.012, 0.025, 0.03)  # tool x (across the fingers), tool y, tool z
SPONGE_CENTRE = 0.02  # along the tool z from the TCP, m
FORCE_LOW, FORCE_HIGH = 3.0, 30.0  # the contact band, N
FORCE_TARGET = 10.0
FORCE_WARN, FORCE_FAIL = 35.0, 60.0  # smoothed; failure when sustained for a second
SUCCESS_FRACTION = 11 / 12
DIRTY = (0.8, 0.25, 0.2, 1.0)
CLEAN = (0.3, 0.8, 0.35, 1.0)


def cell_offsets():
    """(y, z) of each cell centre relative to the region centre, in wiping order."""
    offsets = []
    for row in range(ROWS):
        columns = range(COLUMNS) if row % 2 == 0 else reversed(range(COLUMNS))
        for column in columns:  # serpentine, as a person wipes
            offsets.append(((column - (COLUMNS - 1) / 2) * PITCH, ((ROWS - 1) / 2 - row) * PITCH))
    return offsets


class Wipe(Task):
    name = "wipe"
    episode_seconds = 30.0
    force_geoms = ("sponge",)

    def bodies_xml(self) -> str:
        cells = "".join(
            f'<geom name="cell{i}" type="box" size="0.001 {PITCH / 2 - 0.001} {PITCH / 2 - 0.001}" '
            f'pos="-0.001 {y} {z}" rgba="{" ".join(map(str, DIRTY))}" contype="0" '
            'conaffinity="0"/>'
            for i, (y, z) in enumerate(cell_offsets())
        )
        return f"""
<body name="wall" mocap="true" pos="0.7 0.13 0.2">
  <geom name="wall" type="box" size="0.02 0.3 0.3" pos="0.02 0 0" rgba="0.85 0.85 0.8 1"
        friction="0.15 0.005 0.0001"/>
  {cells}
</body>
<body name="sponge" pos="0.5 0.13 0.2">
  <freejoint/>
  <geom name="sponge" class="object" type="box" size="{SPONGE_HALF[0]} {SPONGE_HALF[1]}
        {SPONGE_HALF[2]}" mass="0.03" rgba="0.95 0.8 0.2 1" friction="0.15 0.005 0.0001"/>
</body>"""

    def reset(self, rng):
        wall_x = 0.66 + rng.uniform(0.0, 0.05)
        self.region = np.array(
            [wall_x, WORK_CENTRE[1] + rng.uniform(-0.06, 0.06), 0.2 + rng.uniform(-0.03, 0.03)]
        )
        self.cells = [self.region + np.array([0.0, y, z]) for y, z in cell_offsets()]
        self.wiped = np.zeros(len(self.cells), dtype=bool)
        self.force = ForceMonitor(FORCE_WARN, FORCE_FAIL)
        start = np.eye(4)
        start[:3, :3] = TOOL_FORWARD
        start[:3, 3] = [
            wall_x - 0.05 - SPONGE_CENTRE - SPONGE_HALF[2] - rng.uniform(0.08, 0.14),
            self.region[1] + rng.uniform(-0.06, 0.06),
            self.region[2] + rng.uniform(-0.05, 0.05),
        ]
        sponge = start[:3, 3] + TOOL_FORWARD[:, 2] * SPONGE_CENTRE
        placements = {
            "wall": Pose(self.region.copy(), np.array([0.0, 0.0, 0.0, 1.0])),
            "sponge": Pose(sponge, Rotation.from_matrix(TOOL_FORWARD).as_quat()),
        }
        return ResetPlan(
            tcp=start,
            gripper=1.0,
            placements=placements,
            held="sponge",
            held_width=2 * SPONGE_HALF[0],
        )

    def _face(self, scene: Scene) -> np.ndarray:
        sponge = scene.objects["sponge"]
        return sponge.position + sponge.rotation[:, 2] * SPONGE_HALF[2]

    def status(self, scene):
        face = self._face(scene)
        in_band = FORCE_LOW <= scene.tool_force <= FORCE_HIGH
        if in_band:
            for i, cell in enumerate(self.cells):
                if np.all(np.abs(face[1:] - cell[1:]) < PITCH * 0.6):
                    self.wiped[i] = True
        gap = self.region[0] - face[0]
        approach = 1.0 - np.clip(gap / 0.15, 0.0, 1.0)
        fraction = float(np.mean(self.wiped))
        status = TaskStatus(progress=0.1 * approach + 0.9 * fraction)
        self.force.update(scene.time, scene.tool_force)
        status.warning = self.force.warning
        if np.linalg.norm(scene.objects["sponge"].position - scene.tcp.position) > 0.06:
            status.failure, status.failure_reason = True, "sponge_dropped"
        elif self.force.failed(scene.time):
            status.failure, status.failure_reason = True, "excessive_force"
        elif fraction >= SUCCESS_FRACTION:
            status.success, status.progress = True, 1.0
        return status

    def expert(self, scene, target_offset=None):
        target_offset = np.zeros(3) if target_offset is None else target_offset
        face = self._face(scene)
        remaining = [cell for cell, done in zip(self.cells, self.wiped, strict=True) if not done]
        target = (remaining[0] if remaining else self.cells[-1]) + target_offset
        to_face = scene.tcp.position - face  # move the TCP so the face lands on the target
        yz_error = np.linalg.norm(target[1:] - face[1:])
        if scene.tool_force < 1.0:
            depth = 0.004 if yz_error < 0.02 else -0.03
            goal = np.array([target[0] + depth, target[1], target[2]]) + to_face
            return servo_action(scene, goal, TOOL_FORWARD, 1.0, max_speed=0.08)
        action = servo_action(
            scene,
            np.array([face[0], target[1], target[2]]) + to_face,
            TOOL_FORWARD,
            1.0,
            max_speed=0.05,
        )
        action[0] = np.clip(0.004 * (FORCE_TARGET - scene.tool_force), -0.03, 0.03)
        return action

    def geom_colors(self):
        return {f"cell{i}": CLEAN if done else DIRTY for i, done in enumerate(self.wiped)}
