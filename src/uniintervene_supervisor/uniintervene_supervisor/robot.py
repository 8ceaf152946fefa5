"""What the supervisor needs to know of the arm: the TCP position.

The TCP position (for the workspace box) comes from the joint states through the UR7e's
DH kinematics, the same module the simulated cell is built from.
"""

import numpy as np

from uniintervene_sim.kinematics import forward_kinematics


def tcp_position(q, tool_offset: float) -> np.ndarray:
    return forward_kinematics(np.asarray(q, float), tool_offset)[:3, 3]
