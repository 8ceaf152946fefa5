"""Peg-in-hole tasks: seat a held tube in a port, press a held RAM module into its slot.

Both start with the part between the closed fingers, above and away from a fixture placed
at a random pose. The fixture is a mocap body (static) whose walls leave a hole with
sub-centimetre clearance; the part is inserted when its bottom is `seat_depth` below the
fixture's top, inside the hole.
"""

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from uniintervene_sim.scene import Pose, Scene, TaskStatus, tool_down, wrap_angle
from uniintervene_sim.tasks.base import (
    WORK_CENTRE,
    ForceMonitor,
    ResetPlan,
    Task,
    nearest_symmetric_yaw,
    servo_action,
    tcp_yaw,
    yaw_quat,
)

FIXTURE_HEIGHT = 0.045
WALL = 0.012  # fixture wall thickness (half), m
FORCE_WARN = 25.0  # N, smoothed: jamming
SLIP_FAIL = 0.02  # m the part may be pushed along the fingers before the grasp is ruined
FORCE_FAIL = 60.0  # N, smoothed, sustained for a second: the part or fixture is damaged


@dataclass(frozen=True)
class PartSpec:
    name: str
    part_half: tuple[float, float, float]  # box half sizes in the tool frame (x across fingers)
    hole_half: tuple[float, float]  # hole half sizes in the fixture frame (x, y)
    seat_depth: float  # how deep the bottom must go, m
    fixture_yaw_range: float  # rad; the yaw matters only when the hole is not square
    yaw_matters: bool
    rgba: str
    geom: str = "box"  # "cylinder": radius part_half[0], half-height part_half[2]


class InsertionTask(Task):
    part: PartSpec
    episode_seconds = 25.0

    @property
    def force_geoms(self):
        return (self.part.name,)

    def bodies_xml(self) -> str:
        p, (hx, hy) = self.part, self.part.hole_half
        size = " ".join(
            str(v)
            for v in ((p.part_half[0], p.part_half[2]) if p.geom == "cylinder" else p.part_half)
        )
        walls = [  # four walls around the hole: (pos x, pos y, half x, half y)
            (hx + WALL, 0.0, WALL, hy + 2 * WALL),
            (-hx - WALL, 0.0, WALL, hy + 2 * WALL),
            (0.0, hy + WALL, hx, WALL),
            (0.0, -hy - WALL, hx, WALL),
        ]
        wall_xml = "".join(
            f'<geom name="fixture_wall{i}" type="box" size="{sx} {sy} {FIXTURE_HEIGHT / 2}" '
            f'pos="{x} {y} {FIXTURE_HEIGHT / 2}" rgba="0.25 0.3 0.35 1" friction="0.4"/>'
            for i, (x, y, sx, sy) in enumerate(walls)
        )
        return f"""
<body name="fixture" mocap="true" pos="0.45 0.1 0">{wall_xml}
  <site name="hole" pos="0 0 {FIXTURE_HEIGHT}" size="0.004" rgba="0 1 0 1"/>
</body>
<body name="{p.name}" pos="0.4 0.2 0.3">
  <freejoint/>
  <geom name="{p.name}" class="object" type="{p.geom}" size="{size}" mass="0.05"
        rgba="{p.rgba}"/>
</body>"""

    def reset(self, rng):
        p = self.part
        hole_xy = WORK_CENTRE[:2] + rng.uniform(-0.08, 0.08, 2)
        fixture_yaw = rng.uniform(-p.fixture_yaw_range, p.fixture_yaw_range)
        self.fixture = Pose(np.array([*hole_xy, 0.0]), yaw_quat(fixture_yaw))
        self.force = ForceMonitor(FORCE_WARN, FORCE_FAIL)
        direction = rng.uniform(-np.pi, np.pi)
        start_xy = hole_xy + rng.uniform(0.07, 0.14) * np.array(
            [np.cos(direction), np.sin(direction)]
        )
        yaw = (
            fixture_yaw + rng.choice([-1, 1]) * rng.uniform(0.2, 0.6)
            if p.yaw_matters
            else rng.uniform(-0.5, 0.5)
        )
        start = np.eye(4)
        start[:3, :3] = tool_down(yaw)
        start[:3, 3] = [*start_xy, FIXTURE_HEIGHT + p.part_half[2] + rng.uniform(0.06, 0.12)]
        # The part hangs between the fingertips, centred on the TCP, aligned with the tool.
        part_rotation = start[:3, :3]
        placements = {
            "fixture": self.fixture,
            p.name: Pose(start[:3, 3].copy(), Rotation.from_matrix(part_rotation).as_quat()),
        }
        return ResetPlan(
            tcp=start,
            gripper=1.0,
            placements=placements,
            held=p.name,
            held_width=2 * p.part_half[0],
        )

    # -- geometry in the fixture frame ---------------------------------------------------
    def _part_in_fixture(self, scene: Scene):
        part = scene.objects[self.part.name]
        fixture_rotation = self.fixture.rotation
        offset = fixture_rotation.T @ (part.position - self.fixture.position)
        bottom = part.position[2] - self.part.part_half[2]
        depth = FIXTURE_HEIGHT - bottom
        relative = fixture_rotation.T @ part.rotation
        yaw_error = np.arctan2(relative[1, 0], relative[0, 0])
        yaw_error = wrap_angle(2 * yaw_error) / 2  # a half turn is the same fit
        return offset[:2], float(depth), float(yaw_error)

    def status(self, scene):
        xy, depth, yaw_error = self._part_in_fixture(scene)
        xy_error = float(np.linalg.norm(xy))
        align = 1.0 - np.clip(xy_error / 0.15, 0.0, 1.0)
        if self.part.yaw_matters:
            align *= 1.0 - 0.5 * np.clip(abs(yaw_error) / 0.6, 0.0, 1.0)
        hover = 1.0 - np.clip(-depth / 0.1, 0.0, 1.0)
        inserted = np.clip(depth / self.part.seat_depth, 0.0, 1.0) if xy_error < 0.01 else 0.0
        status = TaskStatus(progress=float(0.4 * align + 0.15 * hover * align + 0.45 * inserted))
        self.force.update(scene.time, scene.tool_force)
        status.warning = self.force.warning
        held_distance = np.linalg.norm(scene.objects[self.part.name].position - scene.tcp.position)
        # How far the part has been pushed along the tool axis in the fingers (0 at reset).
        slip = abs(
            np.dot(
                scene.objects[self.part.name].position - scene.tcp.position,
                scene.tcp.rotation[:, 2],
            )
        )
        if held_distance > 0.05:
            status.failure, status.failure_reason = True, f"{self.part.name}_dropped"
        elif slip > SLIP_FAIL:
            status.failure, status.failure_reason = True, f"{self.part.name}_slipped"
        elif self.force.failed(scene.time):
            status.failure, status.failure_reason = True, "excessive_force"
        elif depth >= self.part.seat_depth and xy_error < 0.01:
            status.success, status.progress = True, 1.0
        return status

    def expert(self, scene, target_offset=None):
        target_offset = np.zeros(3) if target_offset is None else target_offset
        p = self.part
        hole = self.fixture.position + target_offset
        fixture_yaw = float(Rotation.from_quat(self.fixture.quaternion).as_euler("zyx")[0])
        goal_yaw = (
            nearest_symmetric_yaw(tcp_yaw(scene), fixture_yaw) if p.yaw_matters else tcp_yaw(scene)
        )
        part = scene.objects[p.name]
        # Move by where the part is, not the TCP: it may have slipped in the fingers.
        grip_offset = part.position - scene.tcp.position
        hover_z = FIXTURE_HEIGHT + p.part_half[2] + 0.02
        xy_error = np.linalg.norm(part.position[:2] - hole[:2])
        yaw_error = abs(wrap_angle(goal_yaw - tcp_yaw(scene)))
        bottom_above_top = part.position[2] - p.part_half[2] - FIXTURE_HEIGHT
        aligned = xy_error < 0.003 and (yaw_error < 0.03 or not p.yaw_matters)
        if not aligned and bottom_above_top < 0.01:
            # Misaligned at the rim (or jammed): back out straight up before correcting.
            goal = scene.tcp.position + np.array([0.0, 0.0, 0.05])
            return servo_action(scene, goal, tool_down(goal_yaw), 1.0, max_speed=0.05)
        if not aligned:
            goal = np.array([hole[0], hole[1], max(hover_z, part.position[2])]) - grip_offset
            if xy_error < 0.02:
                goal[2] = hover_z - grip_offset[2]
            return servo_action(scene, goal, tool_down(goal_yaw), 1.0, max_speed=0.12, gain=4.0)
        goal = np.array([hole[0], hole[1], FIXTURE_HEIGHT + p.part_half[2] - p.seat_depth - 0.01])
        return servo_action(
            scene, goal - grip_offset, tool_down(goal_yaw), 1.0, max_speed=0.03, gain=4.0
        )


class TubeInsertion(InsertionTask):
    """A 24 mm tube into a 32 mm port: 4 mm clearance a side."""

    name = "tube_insertion"
    part = PartSpec(
        name="tube",
        part_half=(0.012, 0.012, 0.055),
        hole_half=(0.016, 0.016),
        seat_depth=0.03,
        fixture_yaw_range=np.pi / 4,
        yaw_matters=False,
        rgba="0.85 0.85 0.9 1",
        geom="cylinder",
    )


class RamInsertion(InsertionTask):
    """A RAM module (8 mm thick) into a 14 mm slot, aligned in yaw, pressed home."""

    name = "ram_insertion"
    part = PartSpec(
        name="ram_module",
        part_half=(0.004, 0.045, 0.05),
        hole_half=(0.007, 0.05),
        seat_depth=0.03,
        fixture_yaw_range=0.5,
        yaw_matters=True,
        rgba="0.1 0.5 0.2 1",
    )
