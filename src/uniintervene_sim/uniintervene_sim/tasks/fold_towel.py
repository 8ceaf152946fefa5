"""Fold a towel in half: pinch the middle of its free edge, carry it over the fold line,
lay it down on the other half and let go.

The towel is a MuJoCo flex cloth (a 7 x 3 grid of vertices, 27 x 9 cm) lying on the
table at a random pose; the fold line crosses it at a random offset from the middle and a
random side moves. The gripper holds cloth by pinching (`pinch.Pinch`). The cloth does
not collide with itself (what that would cost, and why it is left out:
docs/simulated_cell.md): the folded half lies in the plane of the other, and only the
corners' xy positions count.
"""

import numpy as np

from uniintervene_sim.pinch import GRIPPER_CLOSED, slots_xml
from uniintervene_sim.scene import Pose, Scene, TaskStatus, tool_down, wrap_angle
from uniintervene_sim.tasks.base import (
    WORK_CENTRE,
    ResetPlan,
    Task,
    nearest_symmetric_yaw,
    servo_action,
    tcp_yaw,
    yaw_quat,
)

COLUMNS, ROWS, SPACING = 7, 3, 0.045  # across the fold line, along it; m between vertices
HALF_LENGTH = (COLUMNS - 1) * SPACING / 2  # 0.135 m from the middle to the free edge
HALF_WIDTH = (ROWS - 1) * SPACING / 2
THICKNESS = 0.003  # the cloth's radius: it lies this high on the table
PINCH_RADIUS = 0.06  # the pinch takes the vertex under the TCP and its 3 neighbours
PINCH_SLOTS = 4
GRASP_HEIGHT = 0.02  # TCP above the table when pinching (the fingertips clear it by 5 mm)
CARRY_HEIGHT = 0.08
HOVER_HEIGHT = 0.10
CORNER_TOLERANCE = 0.035  # each moving corner this close to its target (xy): folded
DRAG_WARN, DRAG_FAIL = 0.025, 0.06  # mean xy drift of the half that should stay, m
TWIST_WARN, TWIST_FAIL = np.radians(35), np.radians(75)  # the free edge turned this far
BUNCH_WARN, BUNCH_FAIL = 0.06, 0.035  # the free edge's corners closer than this: bunched
OFF_TABLE = -0.03  # a vertex this far below the table top hangs over its edge


def vertex_index(column: int, row: int) -> int:
    """MuJoCo's grid flexcomp numbers vertices with the row (second count) fastest."""
    return column * ROWS + row


def towel_xml() -> str:
    return f"""
<flexcomp name="towel" type="grid" count="{COLUMNS} {ROWS} 1"
          spacing="{SPACING} {SPACING} {SPACING}" pos="{WORK_CENTRE[0]} {WORK_CENTRE[1]} 0.1"
          radius="{THICKNESS}" dim="2" mass="0.08" rgba="0.25 0.45 0.8 1">
  <edge equality="true" damping="0.01"/>
  <contact selfcollide="none" contype="2" conaffinity="2" friction="1.2 0.005 0.0001"/>
</flexcomp>"""


class FoldTowel(Task):
    name = "fold_towel"
    episode_seconds = 30.0
    pinched_flex = "towel"
    pinch_radius = PINCH_RADIUS
    # A slipped pinch that leaves the towel behind is the natural fault here; pushing the
    # tool down into the table (jam) is not a towel behaviour.
    fault_modes = ("stall", "misaligned", "drift", "slip")

    vertices = [f"towel_{i}" for i in range(COLUMNS * ROWS)]

    def bodies_xml(self) -> str:
        # The fold line, drawn on the table where the towel does not cover it.
        return (
            towel_xml()
            + """
<body name="fold_line" mocap="true" pos="0.42 0.13 0.0005">
  <geom type="box" size="0.003 0.08 0.0005" rgba="0.9 0.9 0.9 1" contype="0" conaffinity="0"/>
</body>"""
        )

    def equality_xml(self) -> str:
        return slots_xml("towel", PINCH_SLOTS)

    def reset(self, rng):
        self.yaw = rng.uniform(-np.pi, np.pi)  # the towel's long axis (across the fold)
        centre = WORK_CENTRE[:2] + rng.uniform(-0.04, 0.04, 2)
        self.side = 1 if rng.random() < 0.5 else -1  # which half moves
        self.line = rng.uniform(-0.02, 0.02)  # fold line offset from the middle, m
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        self.axis = np.array([c, s])  # towel long axis, world xy
        self.across = np.array([-s, c])
        grid = np.array(
            [
                [(i - (COLUMNS - 1) / 2) * SPACING, (j - (ROWS - 1) / 2) * SPACING]
                for i in range(COLUMNS)
                for j in range(ROWS)
            ]  # fmt: skip
        )
        xy = centre + grid[:, :1] * self.axis + grid[:, 1:] * self.across
        self.initial = np.c_[xy, np.full(len(xy), THICKNESS + 0.0005)]
        # Fold frame: u along the long axis toward the moving edge, v along the fold line.
        self.centre = centre
        self.u0 = self.side * grid[:, 0]
        free_column = COLUMNS - 1 if self.side > 0 else 0
        self.corners = [vertex_index(free_column, 0), vertex_index(free_column, ROWS - 1)]
        self.grip = vertex_index(free_column, ROWS // 2)
        self.fixed = np.flatnonzero(self.u0 < self.line - 0.03)  # the half that stays
        self.targets = {i: self._mirror(self.initial[i, :2]) for i in [*self.corners, self.grip]}
        self.edge_direction = self._edge_direction(self.initial)
        line_centre = centre + self.side * self.line * self.axis
        start = np.eye(4)
        start[:3, :3] = tool_down(rng.uniform(-0.5, 0.5))
        start[:3, 3] = [*(WORK_CENTRE[:2] + rng.uniform(-0.08, 0.08, 2)), rng.uniform(0.16, 0.22)]
        return ResetPlan(
            tcp=start,
            gripper=0.0,
            placements={
                "fold_line": Pose(np.array([*line_centre, 0.0005]), yaw_quat(self.yaw)),
            },
            flex_vertices={"towel": self.initial},
        )

    def _mirror(self, xy: np.ndarray) -> np.ndarray:
        """The point's image across the fold line (in world xy)."""
        u = self.side * float(np.dot(xy - self.centre, self.axis))
        return xy - 2.0 * (u - self.line) * self.side * self.axis

    def _edge_direction(self, points: np.ndarray) -> np.ndarray:
        edge = points[self.corners[1], :2] - points[self.corners[0], :2]
        return edge / max(np.linalg.norm(edge), 1e-9)

    def _points(self, scene: Scene) -> np.ndarray:
        return np.array([scene.objects[name].position for name in self.vertices])

    def _holding(self, scene: Scene, points: np.ndarray) -> bool:
        """Pinched: the gripper is closed and the free edge's middle rides with the TCP."""
        if scene.gripper_command < GRIPPER_CLOSED:
            return False
        return bool(np.linalg.norm(points[self.grip] - scene.tcp.position) < PINCH_RADIUS + 0.01)

    def _corner_errors(self, points: np.ndarray) -> np.ndarray:
        return np.array([np.linalg.norm(points[i, :2] - self.targets[i]) for i in self.corners])

    def status(self, scene):
        points = self._points(scene)
        holding = self._holding(scene, points)
        errors = self._corner_errors(points)
        start_error = 2 * (HALF_LENGTH - self.line)
        folded = 1.0 - np.clip(np.mean(errors) / start_error, 0.0, 1.0)
        reach = 1.0 - np.clip(
            np.linalg.norm(scene.tcp.position[:2] - points[self.grip, :2]) / 0.25, 0.0, 1.0
        )
        if holding or folded > 0.2:
            reach = 1.0
        progress = 0.15 * reach + 0.1 * (holding or folded > 0.9) + 0.75 * folded
        status = TaskStatus(progress=float(progress))
        drag = float(np.mean(np.linalg.norm(points[self.fixed, :2] - self.initial[self.fixed, :2],
                                            axis=1)))  # fmt: skip
        edge = points[self.corners[1], :2] - points[self.corners[0], :2]
        spread = float(np.linalg.norm(edge))
        twist = abs(wrap_angle(np.arctan2(edge[1], edge[0])
                               - np.arctan2(*self.edge_direction[::-1])))  # fmt: skip
        # a carried edge hangs and sags: its shape is judged once it lies on the table again
        twisted = not holding and (twist > TWIST_FAIL or spread < BUNCH_FAIL)
        status.warning = drag > DRAG_WARN or (
            not holding and (twist > TWIST_WARN or spread < BUNCH_WARN)
        )
        if points[:, 2].min() < OFF_TABLE:
            status.failure, status.failure_reason = True, "towel_off_table"
        elif drag > DRAG_FAIL:
            status.failure, status.failure_reason = True, "towel_dragged"
        elif twisted:
            status.failure, status.failure_reason = True, "towel_twisted"
        elif np.all(errors < CORNER_TOLERANCE) and scene.gripper_command < GRIPPER_CLOSED:
            status.success, status.progress = True, 1.0
        return status

    def expert(self, scene, target_offset=None):
        target_offset = np.zeros(3) if target_offset is None else np.asarray(target_offset)
        points = self._points(scene)
        tcp = scene.tcp.position
        yaw = tool_down(nearest_symmetric_yaw(tcp_yaw(scene), np.arctan2(*self.axis[::-1])))
        grip = points[self.grip]
        if self._holding(scene, points):
            # move the TCP so the pinched edge lands on its mirror image across the line
            goal_xy = tcp[:2] + self.targets[self.grip] + target_offset[:2] - grip[:2]
            if np.linalg.norm(goal_xy - tcp[:2]) > 0.015:
                if tcp[2] < CARRY_HEIGHT - 0.02:  # lift the edge before carrying it over
                    goal_xy = tcp[:2]
                return servo_action(scene, [*goal_xy, CARRY_HEIGHT], yaw, 1.0, max_speed=0.12)
            if tcp[2] > GRASP_HEIGHT + 0.01:
                return servo_action(scene, [*goal_xy, GRASP_HEIGHT], yaw, 1.0, max_speed=0.06)
            return servo_action(scene, [*goal_xy, GRASP_HEIGHT], yaw, 0.0)
        laid = np.linalg.norm(grip[:2] - self.targets[self.grip]) < 0.02
        if laid or np.all(self._corner_errors(points) < CORNER_TOLERANCE):  # stand back
            return servo_action(scene, [*tcp[:2], HOVER_HEIGHT], yaw, 0.0, max_speed=0.08)
        target = grip + target_offset
        offset = np.linalg.norm(target[:2] - tcp[:2])
        if offset > 0.006:
            height = HOVER_HEIGHT if offset > 0.04 else max(GRASP_HEIGHT + 0.03, tcp[2])
            return servo_action(scene, [*target[:2], height], yaw, 0.0, max_speed=0.12)
        if tcp[2] > GRASP_HEIGHT + 0.005:
            return servo_action(scene, [*target[:2], GRASP_HEIGHT], yaw, 0.0, max_speed=0.06)
        return servo_action(scene, [*target[:2], GRASP_HEIGHT], yaw, 1.0)
