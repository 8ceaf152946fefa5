"""ROS nodes of the critic."""
