"""The one-line status RViz shows above the gripper: who drives, value and risk.

Pure (no ROS): supervisor_node turns it into a visualization_msgs/Marker.
"""

import math

from uniintervene_supervisor.arbitration import Mode

MODE_COLOURS = {  # RGBA: policy green, recovery blue, human orange, hold red
    Mode.POLICY: (0.2, 0.8, 0.2, 1.0),
    Mode.RECOVERY: (0.2, 0.5, 1.0, 1.0),
    Mode.HUMAN: (1.0, 0.6, 0.1, 1.0),
    Mode.HOLD: (0.9, 0.1, 0.1, 1.0),
}


def status_label(mode: Mode, value: float | None, risk: float | None) -> tuple[str, tuple]:
    """('RECOVERY  value 0.62  risk 0.81', colour); unknown numbers print as '-'."""

    def number(x):
        return "-" if x is None or not math.isfinite(x) else f"{x:.2f}"

    return f"{Mode(mode).name}  value {number(value)}  risk {number(risk)}", MODE_COLOURS[mode]
