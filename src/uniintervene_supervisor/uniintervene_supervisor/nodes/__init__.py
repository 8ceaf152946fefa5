"""ROS nodes of the supervisor."""
