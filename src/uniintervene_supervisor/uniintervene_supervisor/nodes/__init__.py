"""ROS nodes of the supervisor."""

from uniintervene_common.startup import exit_quietly_on_stop

exit_quietly_on_stop()  # stopped while still importing: a quiet exit (see startup.py)
