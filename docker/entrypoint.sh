#!/usr/bin/env bash
# Source ROS and the UniIntervene workspace, then run the command.
set -e
source /opt/ros/jazzy/setup.bash
source /opt/uniintervene/scripts/env.sh
exec "$@"
