"""What every UniIntervene node shares, on the robot computer and in the simulated cell:
message conversions, the node runner, the parameter schema, QoS profiles, topic names,
UR7e kinematics and atomic writes. Imports no simulator."""
