"""MJCF of the cell: the UR7e from its DH table, a parallel gripper, a table, a camera.

Tasks add their objects through `task_xml`. The arm's bodies follow the DH frames exactly
(body i = DH frame i-1 rotated by joint i), so MuJoCo's forward kinematics equals
kinematics.forward_kinematics; the link geometry is a simplified visual/collision shell.
"""

from dataclasses import dataclass

import numpy as np

from uniintervene_common.kinematics import ALPHA, JOINT_LOWER, JOINT_NAMES, JOINT_UPPER, A, D

# Distance from the flange to the tool centre point between the fingertips, metres.
TCP_OFFSET = 0.16
# Per-finger travel: each finger slides from 0 (closed on the centre) to this (open), m.
FINGER_TRAVEL = 0.045
# A closed gripper servos each finger this far past the centre, so it squeezes what it
# holds with kp * (half width + squeeze), about 70 N on a thin part (like a Robotiq 2F).
FINGER_SQUEEZE = 0.03
CONTROL_PERIOD = 0.1
PHYSICS_TIMESTEP = 0.002
# UR5e/UR7e link masses (Universal Robots' published values), kg.
LINK_MASSES = [3.761, 8.058, 2.846, 1.37, 1.3, 0.365]
LINK_RADII = [0.06, 0.054, 0.045, 0.04, 0.04, 0.035]


@dataclass(frozen=True)
class CameraConfig:
    """The RealSense stand-ins: one on the wrist, a scene camera over the table, or both
    (`both`: the wrist camera is the primary image, the scene camera the second view)."""

    mount: str = "wrist"  # "wrist" (as in HiL-SERL), "scene" or "both"
    width: int = 128
    height: int = 128
    fovy: float = 58.0  # RealSense D435 colour vertical field of view, degrees

    def __post_init__(self):
        if self.mount not in ("scene", "wrist", "both"):
            raise ValueError(f"camera mount must be 'wrist', 'scene' or 'both', not {self.mount!r}")
        if not (16 <= self.width <= 1920 and 16 <= self.height <= 1080):
            raise ValueError(f"camera resolution {self.width}x{self.height} out of 16..1920x1080")


def look_at_xyaxes(eye, target, up=(0.0, 0.0, 1.0)) -> str:
    """MuJoCo camera xyaxes for a camera at `eye` looking at `target` (it looks along -z)."""
    forward = np.asarray(target, float) - np.asarray(eye, float)
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    camera_up = np.cross(right, forward)
    return " ".join(f"{v:.6f}" for v in (*right, *camera_up))


# The scene camera sits beside the robot, seeing the table and the wall's face.
SCENE_CAMERA_EYE = (0.58, -0.38, 0.5)
SCENE_CAMERA_TARGET = (0.46, 0.16, 0.08)


def _quat_rx(angle: float) -> str:
    return f"{np.cos(angle / 2):.9f} {np.sin(angle / 2):.9f} 0 0"


def _arm_xml(gripper_xml: str, wrist_camera_xml: str) -> str:
    """Nested bodies: body i carries joint i; child placed by Tz(d_i) Tx(a_i) Rx(alpha_i)."""
    opening = ""
    closing = ""
    for i in range(6):
        pos = "0 0 0" if i == 0 else f"{A[i - 1]:.6f} 0 {D[i - 1]:.6f}"
        # link1 sits on `base`, which is the world (base_link) turned by pi about z, as
        # on the real UR (kinematics.BASE_IN_BASE_LINK)
        quat = "0 0 0 1" if i == 0 else _quat_rx(ALPHA[i - 1])
        seg_end = f"{A[i]:.6f} 0 {D[i]:.6f}"
        link_geom = ""
        if abs(A[i]) + abs(D[i]) > 1e-9:
            link_geom = (
                f'<geom class="link" type="capsule" size="{LINK_RADII[i]}" '
                f'fromto="0 0 0 {seg_end}"/>'
            )
        opening += f"""
<body name="link{i + 1}" pos="{pos}" quat="{quat}" gravcomp="1">
  <inertial pos="0 0 0" mass="{LINK_MASSES[i]}" diaginertia="0.01 0.01 0.01"/>
  <joint name="{JOINT_NAMES[i]}" axis="0 0 1" range="{JOINT_LOWER[i]:.6f} {JOINT_UPPER[i]:.6f}"
         damping="2" armature="0.1"/>
  <geom class="joint_housing" type="cylinder" size="{LINK_RADII[i] + 0.005} 0.06"/>
  {link_geom}"""
        closing += "</body>"
    flange = f"""
<body name="flange" pos="{A[5]:.6f} 0 {D[5]:.6f}" quat="{_quat_rx(ALPHA[5])}" gravcomp="1">
  <site name="flange" size="0.005"/>
  {wrist_camera_xml}
  {gripper_xml}
</body>"""
    return opening + flange + closing


def _gripper_xml() -> str:
    """A parallel gripper along the flange's z: palm, two fingers sliding along local x."""
    finger_z = TCP_OFFSET - 0.03
    return f"""
<geom class="gripper" type="cylinder" size="0.04 0.025" pos="0 0 0.025"/>
<geom class="gripper" type="box" size="0.06 0.02 0.012" pos="0 0 0.062"/>
<site name="tcp" pos="0 0 {TCP_OFFSET}" size="0.006" rgba="1 0 0 0.6"/>
<body name="finger_left" pos="0 0 0" gravcomp="1">
  <inertial pos="0 0 {finger_z}" mass="0.1" diaginertia="1e-4 1e-4 1e-4"/>
  <joint name="finger_left_joint" type="slide" axis="1 0 0" range="0 {FINGER_TRAVEL}"
         damping="5" armature="0.01"/>
  <geom class="finger" type="box" size="0.006 0.012 0.045" pos="0.006 0 {finger_z}"/>
</body>
<body name="finger_right" pos="0 0 0" gravcomp="1">
  <inertial pos="0 0 {finger_z}" mass="0.1" diaginertia="1e-4 1e-4 1e-4"/>
  <joint name="finger_right_joint" type="slide" axis="-1 0 0" range="0 {FINGER_TRAVEL}"
         damping="5" armature="0.01"/>
  <geom class="finger" type="box" size="0.006 0.012 0.045" pos="-0.006 0 {finger_z}"/>
</body>"""


def build_cell_xml(
    task_xml: str = "",
    camera: CameraConfig = CameraConfig(),
    task_assets: str = "",
    task_equality: str = "",
) -> str:
    wrist_camera = ""
    if camera.mount in ("wrist", "both"):
        # Beside the palm, 7 cm off-axis, looking along the tool toward the fingertips.
        wrist_camera = (
            f'<camera name="realsense" pos="0 0.07 0.08" fovy="{camera.fovy}" '
            'xyaxes="1 0 0 0 -0.97 -0.25"/>'
        )
    scene_camera = ""
    if camera.mount in ("scene", "both"):
        eye = " ".join(map(str, SCENE_CAMERA_EYE))
        axes = look_at_xyaxes(SCENE_CAMERA_EYE, SCENE_CAMERA_TARGET)
        name = "realsense_scene" if camera.mount == "both" else "realsense"
        scene_camera = f'<camera name="{name}" pos="{eye}" fovy="{camera.fovy}" xyaxes="{axes}"/>'
    return f"""<mujoco model="uniintervene_ur7e_cell">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="{PHYSICS_TIMESTEP}" integrator="implicitfast" cone="elliptic"
          impratio="10"/>
  <visual><global offwidth="{max(camera.width, 640)}" offheight="{max(camera.height, 480)}"/>
    <quality shadowsize="0"/></visual>
  <asset>
    <texture name="grid" type="2d" builtin="checker" width="64" height="64"
             rgb1="0.55 0.5 0.45" rgb2="0.5 0.45 0.4"/>
    <material name="table" texture="grid" texrepeat="8 8"/>
    {task_assets}
  </asset>
  <default>
    <default class="link"><geom rgba="0.7 0.72 0.75 1" contype="1" conaffinity="1"/></default>
    <default class="joint_housing"><geom rgba="0.2 0.45 0.75 1" contype="0" conaffinity="0"/>
    </default>
    <default class="gripper"><geom rgba="0.15 0.15 0.15 1"/></default>
    <default class="finger"><geom rgba="0.3 0.3 0.3 1" friction="2 0.05 0.001" condim="4"
      solref="0.004 1" solimp="0.95 0.99 0.001"/></default>
    <default class="object"><geom friction="1.5 0.02 0.001" condim="4"
      solref="0.004 1" solimp="0.95 0.99 0.001"/></default>
  </default>
  <worldbody>
    <light pos="0.5 0.2 1.5" dir="0 0 -1" diffuse="0.9 0.9 0.9"/>
    <light pos="1.2 -0.6 1.0" dir="-0.7 0.5 -0.5" diffuse="0.4 0.4 0.4"/>
    <!-- collision bit 2 is the table's alone: cloth (bit 2) lies on it, passes the arm -->
    <geom name="table" type="box" size="0.6 0.6 0.02" pos="0.35 0.1 -0.02" material="table"
          contype="3" conaffinity="3"/>
    <geom name="pedestal" type="cylinder" size="0.075 0.01" pos="0 0 0.0" rgba="0.3 0.3 0.3 1"
          contype="0" conaffinity="0"/>
    {scene_camera}
    {_arm_xml(_gripper_xml(), wrist_camera)}
    {task_xml}
  </worldbody>
  <actuator>
    {
        "".join(
            f'<position name="{n}_servo" joint="{n}" kp="3000" kv="60" forcerange="-150 150"/>'
            for n in JOINT_NAMES
        )
    }
    <position name="finger_left_servo" joint="finger_left_joint" kp="2000" kv="40"
              forcerange="-100 100" ctrlrange="{-FINGER_SQUEEZE} {FINGER_TRAVEL}"/>
    <position name="finger_right_servo" joint="finger_right_joint" kp="2000" kv="40"
              forcerange="-100 100" ctrlrange="{-FINGER_SQUEEZE} {FINGER_TRAVEL}"/>
  </actuator>
  {f"<equality>{task_equality}</equality>" if task_equality else ""}
</mujoco>"""
