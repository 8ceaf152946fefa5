# Source this file (bash) to use the built workspace: the venv, ROS, and install/.
#   source scripts/env.sh
_UNIINTERVENE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$_UNIINTERVENE_ROOT/install/setup.bash" ]; then
  echo "UniIntervene is not built yet: run 'make setup' in $_UNIINTERVENE_ROOT" >&2
  return 1 2>/dev/null || exit 1
fi
# shellcheck disable=SC1091
source "$_UNIINTERVENE_ROOT/.venv/bin/activate"
if [ -z "${ROS_DISTRO:-}" ]; then
  # ROS from the PyPI wheels: the venv is the underlay prefix.
  export AMENT_PREFIX_PATH="$VIRTUAL_ENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
  # ros2, launch and launch_pytest, built from source by make setup (where it could)
  if [ -f "$_UNIINTERVENE_ROOT/ros_tools/install/local_setup.bash" ]; then
    # shellcheck disable=SC1091
    source "$_UNIINTERVENE_ROOT/ros_tools/install/local_setup.bash"
  fi
fi
# shellcheck disable=SC1091
source "$_UNIINTERVENE_ROOT/install/setup.bash"
# The `uniintervene` command line (as `ros2 run uniintervene_experiments uniintervene`).
export PATH="$_UNIINTERVENE_ROOT/install/uniintervene_experiments/lib/uniintervene_experiments:$PATH"
unset _UNIINTERVENE_ROOT
