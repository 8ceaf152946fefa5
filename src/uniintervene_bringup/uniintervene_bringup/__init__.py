"""Launch files, parameters, RViz/rqt and the ROS graph of the cell: its nodes as graph.yaml
describes them, started by `ros2 launch` (launch/) or in process (runner, launched_graph)."""
