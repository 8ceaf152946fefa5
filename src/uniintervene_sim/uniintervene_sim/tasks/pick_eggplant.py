"""Grasp the eggplant among distractors and lift it clear without disturbing the others."""

import numpy as np

from uniintervene_sim.scene import Pose, Scene, TaskStatus, tool_down, wrap_angle, yaw_of
from uniintervene_sim.tasks.base import (
    WORK_CENTRE,
    ResetPlan,
    Task,
    nearest_symmetric_yaw,
    servo_action,
    tcp_yaw,
    yaw_quat,
)

EGG_RADIUS = 0.022
EGG_HALF_LENGTH = 0.045
DISTRACTOR_RADIUS = 0.028
DISTRACTORS = ("tomato_can", "lemon_box")
LIFT_SUCCESS = 0.10  # metres above its resting height
HOVER_HEIGHT = 0.12
DISTURB_FAIL = 0.04  # a distractor moved this far: failure
DISTURB_WARN = 0.012


class PickEggplant(Task):
    name = "pick_eggplant"
    episode_seconds = 25.0

    def bodies_xml(self) -> str:
        return f"""
<body name="eggplant" pos="0.4 0 0.1">
  <freejoint/>
  <geom name="eggplant" class="object" type="capsule" size="{EGG_RADIUS} {EGG_HALF_LENGTH}"
        quat="0.7071068 0 0.7071068 0" mass="0.15" rgba="0.35 0.1 0.45 1"/>
  <geom type="cylinder" size="0.012 0.01" pos="{EGG_HALF_LENGTH + 0.02} 0 0"
        quat="0.7071068 0 0.7071068 0" rgba="0.2 0.55 0.2 1" contype="0" conaffinity="0"/>
</body>
<body name="tomato_can" pos="0.4 0.2 0.1">
  <freejoint/>
  <geom name="tomato_can" class="object" type="cylinder" size="{DISTRACTOR_RADIUS} 0.04"
        mass="0.3" rgba="0.85 0.2 0.15 1"/>
</body>
<body name="lemon_box" pos="0.4 -0.2 0.1">
  <freejoint/>
  <geom name="lemon_box" class="object" type="box" size="0.025 0.025 0.035" mass="0.3"
        rgba="0.95 0.85 0.2 1"/>
</body>"""

    def reset(self, rng):
        egg_xy = WORK_CENTRE[:2] + rng.uniform(-0.07, 0.07, 2)
        egg_yaw = rng.uniform(-np.pi / 2, np.pi / 2)
        placements = {"eggplant": Pose(np.array([*egg_xy, EGG_RADIUS + 0.001]), yaw_quat(egg_yaw))}
        taken = [egg_xy]
        for name in DISTRACTORS:
            for _ in range(200):
                xy = WORK_CENTRE[:2] + rng.uniform(-0.15, 0.15, 2)
                if np.linalg.norm(xy - egg_xy) > 0.11 and all(
                    np.linalg.norm(xy - other) > 0.08 for other in taken[1:]
                ):
                    break
            taken.append(xy)
            height = 0.04 if name == "tomato_can" else 0.035
            placements[name] = Pose(
                np.array([*xy, height + 0.001]), yaw_quat(rng.uniform(-np.pi, np.pi))
            )
        self.initial = {name: pose.position.copy() for name, pose in placements.items()}
        start = np.eye(4)
        start[:3, :3] = tool_down(rng.uniform(-0.5, 0.5))
        start[:3, 3] = [*(WORK_CENTRE[:2] + rng.uniform(-0.08, 0.08, 2)), rng.uniform(0.18, 0.24)]
        return ResetPlan(tcp=start, gripper=0.0, placements=placements)

    def _displacements(self, scene: Scene) -> dict[str, float]:
        return {
            name: float(np.linalg.norm(scene.objects[name].position[:2] - self.initial[name][:2]))
            for name in DISTRACTORS
        }

    def _holding(self, scene: Scene) -> bool:
        return scene.holding("eggplant") and scene.finger_opening < 2 * EGG_RADIUS + 0.008

    def status(self, scene):
        egg = scene.objects["eggplant"].position
        lift = egg[2] - self.initial["eggplant"][2]
        holding = self._holding(scene)
        moved = self._displacements(scene)
        xy_distance = np.linalg.norm(scene.tcp.position[:2] - egg[:2])
        reach = 1.0 - np.clip(xy_distance / 0.25, 0.0, 1.0)
        descend = 0.0
        if xy_distance < 0.03:
            descend = 1.0 - np.clip((scene.tcp.position[2] - egg[2]) / HOVER_HEIGHT, 0.0, 1.0)
        lifted = np.clip(lift / LIFT_SUCCESS, 0.0, 1.0) if holding else 0.0
        progress = 0.3 * reach + 0.2 * descend + 0.15 * holding + 0.35 * lifted
        status = TaskStatus(progress=float(progress))
        near_distractor = (
            any(
                np.linalg.norm(scene.tcp.position[:2] - scene.objects[n].position[:2]) < 0.07
                for n in DISTRACTORS
            )
            and scene.tcp.position[2] < 0.11
        )
        status.warning = max(moved.values()) > DISTURB_WARN or near_distractor
        if max(moved.values()) > DISTURB_FAIL:
            status.failure, status.failure_reason = True, "distractor_disturbed"
        elif egg[2] < -0.05:
            status.failure, status.failure_reason = True, "eggplant_fell_off_table"
        elif not holding and np.linalg.norm(egg[:2] - self.initial["eggplant"][:2]) > 0.12:
            status.failure, status.failure_reason = True, "eggplant_pushed_away"
        elif holding and lift >= LIFT_SUCCESS and max(moved.values()) < 0.03:
            status.success, status.progress = True, 1.0
        return status

    def expert(self, scene, target_offset=None):
        target_offset = np.zeros(3) if target_offset is None else target_offset
        egg_pose = scene.objects["eggplant"]
        egg = egg_pose.position + target_offset
        axis_yaw = yaw_of(egg_pose.rotation)
        # The egg's long axis is its local x; close the fingers (tool x) across it.
        grasp_yaw = nearest_symmetric_yaw(tcp_yaw(scene), wrap_angle(axis_yaw + np.pi / 2))
        if self._holding(scene):
            goal = np.array([egg[0], egg[1], self.initial["eggplant"][2] + LIFT_SUCCESS + 0.06])
            return servo_action(scene, goal, tool_down(grasp_yaw), 1.0, max_speed=0.1)
        offset = egg - scene.tcp.position
        yaw_error = abs(wrap_angle(grasp_yaw - tcp_yaw(scene)))
        if np.linalg.norm(offset) < 0.012 and yaw_error < 0.08:
            return servo_action(scene, egg, tool_down(grasp_yaw), 1.0, max_speed=0.02)
        if np.linalg.norm(offset[:2]) > 0.01 or yaw_error > 0.08:
            goal = np.array([egg[0], egg[1], max(egg[2] + 0.06, scene.tcp.position[2])])
            if np.linalg.norm(offset[:2]) > 0.05:
                goal[2] = egg[2] + HOVER_HEIGHT
            return servo_action(scene, goal, tool_down(grasp_yaw), 0.0)
        return servo_action(scene, egg, tool_down(grasp_yaw), 0.0, max_speed=0.08)
