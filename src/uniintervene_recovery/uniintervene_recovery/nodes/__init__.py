"""ROS nodes of the recovery."""
