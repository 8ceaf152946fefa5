"""The simulated cell's core: MuJoCo physics, differential-IK arm control, the camera.

One `SimCell` runs one task at a time; `reset(task, seed)` gives the same initial state for
the same task and seed, and `step(action)` applies an end-effector twist + gripper command
for one control period (0.1 s). Used by the Gymnasium env and by sim_node alike.
"""

import mujoco
import numpy as np

from uniintervene_common.kinematics import (
    HOME,
    JOINT_LOWER,
    JOINT_NAMES,
    JOINT_UPPER,
    solve_tcp_ik,
)
from uniintervene_sim.ik import DifferentialIK
from uniintervene_sim.model import (
    CONTROL_PERIOD,
    FINGER_SQUEEZE,
    FINGER_TRAVEL,
    PHYSICS_TIMESTEP,
    TCP_OFFSET,
    CameraConfig,
    build_cell_xml,
)
from uniintervene_sim.pinch import Pinch
from uniintervene_sim.scene import Pose, Scene, TaskStatus
from uniintervene_sim.tasks import make_task
from uniintervene_sim.tasks.base import MAX_ANGULAR_SPEED, MAX_LINEAR_SPEED

ACTION_SIZE = 7  # vx, vy, vz (m/s), wx, wy, wz (rad/s), gripper (0 open ... 1 closed)
# The servo target may lead the measured joints by at most this much: it bounds the force
# the arm can exert against an obstacle (a compliant, jam-safe position servo).
MAX_TRACKING_LEAD = 0.04  # rad
IK_EVERY_SUBSTEPS = 5
SETTLE_SECONDS = 0.3


def _wxyz_to_xyzw(q):
    return np.array([q[1], q[2], q[3], q[0]])


def _xyzw_to_wxyz(q):
    return np.array([q[3], q[0], q[1], q[2]])


class SimulationUnstable(RuntimeError):
    """MuJoCo diverged during a step (NaN, Inf or huge accelerations) and reset itself:
    the episode cannot go on. The caller ends it as a failure and resets the cell."""


class SimCell:
    Unstable = SimulationUnstable

    def __init__(
        self, task: str = "pick_eggplant", camera: CameraConfig | None = None, render: bool = True
    ):
        self.camera = camera or CameraConfig()
        self.render_enabled = render
        self.ik = DifferentialIK()
        self._renderer = None
        self.task = None
        self.seed = 0
        self._load(task)

    # -- model ------------------------------------------------------------------------
    def _load(self, task_name: str) -> None:
        task = make_task(task_name)
        xml = build_cell_xml(task.bodies_xml(), self.camera, task.assets_xml(), task.equality_xml())
        self.model = mujoco.MjModel.from_xml_string(xml)
        self.data = mujoco.MjData(self.model)
        self.task = task
        m = self.model
        self._arm_qpos = np.array([m.jnt_qposadr[m.joint(n).id] for n in JOINT_NAMES])
        self._arm_dof = np.array([m.jnt_dofadr[m.joint(n).id] for n in JOINT_NAMES])
        self._finger_qpos = [
            m.jnt_qposadr[m.joint(n).id] for n in ("finger_left_joint", "finger_right_joint")
        ]
        self._tcp = m.site("tcp").id
        self._finger_geoms = {
            g for g in range(m.ngeom) if m.body(m.geom_bodyid[g]).name.startswith("finger_")
        }
        self._force_geoms = {m.geom(n).id for n in task.force_geoms}
        self._objects = [
            m.body(b).name
            for b in range(m.nbody)
            if m.body_jntnum[b] == 1 and m.jnt_type[m.body_jntadr[b]] == 0 or m.body_mocapid[b] >= 0
        ]
        # cloth vertices (one body with three slide joints each) are objects too, by name
        self._objects += [m.body(b).name for b in m.flex_vertbodyid]
        self.pinch = (
            Pinch(m, self.data, task.pinched_flex, task.pinch_radius) if task.pinched_flex else None
        )
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    @property
    def task_name(self) -> str:
        return self.task.name

    # -- episode ----------------------------------------------------------------------
    def reset(self, task: str | None = None, seed: int = 0) -> dict:
        if task is not None and task != self.task.name:
            self._load(task)
        self.seed = int(seed)
        rng = np.random.default_rng(self.seed)
        mujoco.mj_resetData(self.model, self.data)
        plan = self.task.reset(rng)
        q = solve_tcp_ik(plan.tcp, HOME, TCP_OFFSET)
        self.data.qpos[self._arm_qpos] = q
        self.q_target = q.copy()
        self.gripper = float(plan.gripper)
        finger = FINGER_TRAVEL * (1.0 - self.gripper)
        if plan.held:
            finger = plan.held_width / 2.0
        self.data.qpos[self._finger_qpos] = finger
        for name, pose in plan.placements.items():
            body = self.model.body(name)
            if body.mocapid[0] >= 0:
                self.data.mocap_pos[body.mocapid[0]] = pose.position
                self.data.mocap_quat[body.mocapid[0]] = _xyzw_to_wxyz(pose.quaternion)
            else:
                adr = self.model.jnt_qposadr[body.jntadr[0]]
                self.data.qpos[adr : adr + 3] = pose.position
                self.data.qpos[adr + 3 : adr + 7] = _xyzw_to_wxyz(pose.quaternion)
        for flex, positions in plan.flex_vertices.items():
            self._place_flex(flex, positions)
        if self.pinch is not None:
            self.pinch.reset()
        mujoco.mj_forward(self.model, self.data)
        self._apply_control()
        for _ in range(int(SETTLE_SECONDS / PHYSICS_TIMESTEP)):  # let objects come to rest
            mujoco.mj_step(self.model, self.data)
        self.time = 0.0
        self.last_status = self.task.status(self.scene())
        return self.observation()

    def _place_flex(self, flex: str, positions: np.ndarray) -> None:
        """Move each vertex body (three world-aligned slides) to its given position."""
        m = self.model
        flex_id = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_FLEX, flex)
        start, count = m.flex_vertadr[flex_id], m.flex_vertnum[flex_id]
        positions = np.asarray(positions, float)
        if positions.shape != (count, 3):
            raise ValueError(f"{flex} has {count} vertices; got positions of {positions.shape}")
        for body, position in zip(m.flex_vertbodyid[start : start + count], positions, strict=True):
            adr = m.jnt_qposadr[m.body_jntadr[body]]
            self.data.qpos[adr : adr + 3] = position - m.body_pos[body]

    def step(self, action) -> dict:
        action = np.asarray(action, dtype=float)
        if action.shape != (ACTION_SIZE,) or not np.all(np.isfinite(action)):
            raise ValueError(f"action must be {ACTION_SIZE} finite numbers, got {action!r}")
        twist = action[:6].copy()
        twist[:3] *= min(1.0, MAX_LINEAR_SPEED / max(np.linalg.norm(twist[:3]), 1e-12))
        twist[3:] *= min(1.0, MAX_ANGULAR_SPEED / max(np.linalg.norm(twist[3:]), 1e-12))
        self.gripper = float(np.clip(action[6], 0.0, 1.0))
        if self.pinch is not None:
            self.pinch.update(self.gripper, self.data.site_xpos[self._tcp])
        substeps = round(CONTROL_PERIOD / PHYSICS_TIMESTEP)
        jacobian = np.zeros((6, self.model.nv))
        bad_before = self._divergences()
        for substep in range(substeps):
            if substep % IK_EVERY_SUBSTEPS == 0:
                mujoco.mj_jacSite(self.model, self.data, jacobian[:3], jacobian[3:], self._tcp)
                qdot = self.ik.joint_velocity(
                    jacobian[:, self._arm_dof], twist, self.joint_positions
                )
            q = self.joint_positions
            self.q_target = np.clip(
                self.q_target + qdot * PHYSICS_TIMESTEP,
                q - MAX_TRACKING_LEAD,
                q + MAX_TRACKING_LEAD,
            )
            self.q_target = np.clip(self.q_target, JOINT_LOWER, JOINT_UPPER)
            self._apply_control()
            mujoco.mj_step(self.model, self.data)
        if self._divergences() != bad_before or not np.all(np.isfinite(self.data.qpos)):
            raise SimulationUnstable(
                f"MuJoCo became unstable in {self.task.name} (seed {self.seed}) at "
                f"{self.time:.1f} s; reset the cell"
            )
        self.time += CONTROL_PERIOD
        scene = self.scene()
        self.last_status = self.task.status(scene)
        for geom, rgba in self.task.geom_colors().items():
            self.model.geom_rgba[self.model.geom(geom).id] = rgba
        return self.observation()

    def _divergences(self) -> int:
        """MuJoCo's count of NaN/Inf/huge qpos, qvel and qacc (it resets itself on each)."""
        warnings = mujoco.mjtWarning
        return sum(
            int(self.data.warning[kind].number)
            for kind in (warnings.mjWARN_BADQPOS, warnings.mjWARN_BADQVEL, warnings.mjWARN_BADQACC)
        )

    def _apply_control(self) -> None:
        self.data.ctrl[:6] = self.q_target
        # 0 -> fully open; 1 -> squeezing past closed (the joint range stops empty fingers).
        self.data.ctrl[6:8] = FINGER_TRAVEL - self.gripper * (FINGER_TRAVEL + FINGER_SQUEEZE)

    # -- readings ---------------------------------------------------------------------
    @property
    def joint_positions(self) -> np.ndarray:
        return self.data.qpos[self._arm_qpos].copy()

    @property
    def joint_velocities(self) -> np.ndarray:
        return self.data.qvel[self._arm_dof].copy()

    def finger_positions(self) -> np.ndarray:
        return self.data.qpos[self._finger_qpos].copy()

    @property
    def finger_opening(self) -> float:
        return float(np.sum(self.data.qpos[self._finger_qpos]))

    def tcp_pose(self) -> Pose:
        return Pose.from_matrix(
            self.data.site_xpos[self._tcp].copy(), self.data.site_xmat[self._tcp].reshape(3, 3)
        )

    def tool_force(self) -> float:
        """Normal contact force (N) on the task's force geoms from anything but the fingers."""
        total = 0.0
        wrench = np.zeros(6)
        for i in range(self.data.ncon):
            contact = self.data.contact[i]
            pair = {contact.geom1, contact.geom2}
            if pair & self._force_geoms and not pair & self._finger_geoms:
                mujoco.mj_contactForce(self.model, self.data, i, wrench)
                total += abs(wrench[0])
        return total

    def scene(self) -> Scene:
        objects = {}
        for name in self._objects:
            body = self.model.body(name).id
            objects[name] = Pose(self.data.xpos[body].copy(), _wxyz_to_xyzw(self.data.xquat[body]))
        return Scene(
            time=self.time,
            tcp=self.tcp_pose(),
            gripper_command=self.gripper,
            finger_opening=self.finger_opening,
            tool_force=self.tool_force(),
            objects=objects,
        )

    def status(self) -> TaskStatus:
        return self.last_status

    def gripper_state(self) -> float:
        """Measured closure, 0 open ... 1 closed (from the finger positions)."""
        # squeezing an empty gripper goes a hair past closed: report it as closed
        return float(np.clip(1.0 - self.finger_opening / (2 * FINGER_TRAVEL), 0.0, 1.0))

    def render(self, camera: str = "realsense") -> np.ndarray:
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, self.camera.height, self.camera.width)
        self._renderer.update_scene(self.data, camera=camera)
        return self._renderer.render()

    def _image(self, camera: str) -> np.ndarray:
        if self.render_enabled:
            return self.render(camera)
        return np.zeros((self.camera.height, self.camera.width, 3), np.uint8)

    def observation(self) -> dict:
        """The wrist (or only) camera's `image`; with two cameras also `scene_image`."""
        views = {"image": self._image("realsense")}
        if self.camera.mount == "both":
            views["scene_image"] = self._image("realsense_scene")
        return {
            **views,
            "joint_pos": self.joint_positions.astype(np.float32),
            "joint_vel": self.joint_velocities.astype(np.float32),
            "gripper": np.array([self.gripper_state()], np.float32),
        }

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
