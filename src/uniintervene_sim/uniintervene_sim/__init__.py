"""Simulated UR7e workcell (MuJoCo), tasks, operator and base policy."""

import os

# MuJoCo picks its GL backend at import: offscreen EGL (Mesa on CPUs, NVIDIA on GPUs),
# unless the user chose another (osmesa, glfw).
os.environ.setdefault("MUJOCO_GL", "egl")
