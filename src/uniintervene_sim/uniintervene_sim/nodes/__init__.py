"""ROS nodes of the simulated cell: thin wrappers over the pure core."""
