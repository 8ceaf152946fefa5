"""How closely the arm followed the commanded twist in a recorded episode, and a figure
where it did not (`uniintervene import` writes it beside the episode).

The supervisor records, every tick, the measured TCP twist over the last tick
(`uniintervene/measured_twist`, from joint states) before the command it sends
(`uniintervene/command`); each measured twist answers the command recorded before it.
"""

import pathlib

import numpy as np
from geometry_msgs.msg import TwistStamped
from rclpy.serialization import deserialize_message

from uniintervene_common import conversions as conv
from uniintervene_common import topics
from uniintervene_common.atomic import atomic_write
from uniintervene_msgs.msg import ActionCommand
from uniintervene_supervisor.recorder import read_recording
from uniintervene_supervisor.tracking import speed_along


def commanded_and_measured(path) -> tuple[np.ndarray, np.ndarray]:
    """(commanded, measured) TCP twists (N x 6), paired tick by tick; empty where the
    recording has no measured twist (recorded before it existed, or the sim's)."""
    commanded, measured, last = [], [], None
    for topic, _, cdr, _ in read_recording(pathlib.Path(path)):
        if topic.endswith(topics.EXECUTED):
            last = conv.twist_to_array(deserialize_message(cdr, ActionCommand).twist)
        elif topic.endswith(topics.MEASURED_TWIST) and last is not None:
            commanded.append(last)
            measured.append(conv.twist_to_array(deserialize_message(cdr, TwistStamped).twist))
    return np.reshape(commanded, (-1, 6)), np.reshape(measured, (-1, 6))


def tracking_ratio(commanded: np.ndarray, measured: np.ndarray) -> float | None:
    """The median fraction of the commanded speed the arm made, over moving ticks."""
    ratios = [r for c, m in zip(commanded, measured, strict=True)
              if (r := speed_along(c, m)) is not None]  # fmt: skip
    return float(np.median(ratios)) if ratios else None


def plot_tracking(commanded, measured, ratio: float, title: str, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3.2))
    axis.plot(np.linalg.norm(commanded[:, :3], axis=1), label="commanded")
    axis.plot(np.linalg.norm(measured[:, :3], axis=1), label="made (joint states)")
    axis.set_xlabel("tick")
    axis.set_ylabel("TCP speed, m/s")
    axis.set_title(f"{title}\nthe arm made {ratio:.0%} of the commanded speed", fontsize=10)
    axis.legend()
    figure.tight_layout()
    atomic_write(pathlib.Path(path), lambda tmp: figure.savefig(tmp, format="png", dpi=110))
    plt.close(figure)


def report_lag(recording, out_png, tolerance: float) -> float | None:
    """The recording's tracking ratio; below 1 - tolerance its figure goes to out_png."""
    commanded, measured = commanded_and_measured(recording)
    ratio = tracking_ratio(commanded, measured)
    if ratio is not None and ratio < 1.0 - tolerance:
        plot_tracking(commanded, measured, ratio, pathlib.Path(recording).stem, out_png)
    return ratio
