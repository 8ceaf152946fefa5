""" "Should intervene" labels mined from the proxy value alone (no privileged progress).

Usable on real recordings: all it needs is the critic's value over an episode and which
ticks the human drove. The value is normalised per episode (hindsight: its range, with a
floor so that a flat episode is not stretched into noise); then, over a sliding window
ending at tick t, the tick is unproductive on

- sustained decline: a negative fitted slope, a net drop and most steps falling;
- a plateau: every step small and the window's range small;
- an abrupt drop that does not recover within `drop_recovery_ticks` (those ticks are
  labelled; a dip that comes back, such as a contact or a regrasp, is not).

Human ticks are never labelled (the human already drives). Every threshold lives in
config/label_mining.yaml.
"""

import pathlib
from dataclasses import dataclass, fields

import numpy as np

from uniintervene_critic.dataset import HUMAN

DEFAULT_CONFIG = pathlib.Path(__file__).resolve().parent.parent / "config" / "label_mining.yaml"


@dataclass(frozen=True)
class MiningConfig:
    window: int = 15  # ticks per judgement (1.5 s at 10 Hz)
    range_floor: float = 0.2  # per-episode normalisation divides by max(range, floor)
    decline_slope: float = -0.1  # fitted change over the window, normalised units
    decline_net_drop: float = 0.05  # last minus first value must be below -this
    decline_falling_fraction: float = 0.6  # share of steps that fall
    plateau_step: float = 0.06  # largest |step| in a plateau
    plateau_range: float = 0.08  # largest max - min in a plateau
    drop: float = 0.15  # a one-tick fall at least this large is abrupt
    drop_recovery_ticks: int = 5  # ... and unproductive unless it recovers half within this

    def __post_init__(self):
        if self.window < 2 or self.drop_recovery_ticks < 1 or self.range_floor <= 0:
            raise ValueError(f"label mining: window >= 2, recovery >= 1, floor > 0 ({self})")


def load_mining_config(path=None) -> MiningConfig:
    """The YAML's `label_mining:` section; unknown keys are an error, not ignored."""
    import yaml

    path = pathlib.Path(path) if path else installed_config()
    section = yaml.safe_load(path.read_text()).get("label_mining") or {}
    known = {f.name for f in fields(MiningConfig)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ValueError(f"{path}: unknown label_mining keys {unknown} (known: {sorted(known)})")
    return MiningConfig(**section)


def installed_config() -> pathlib.Path:
    """config/label_mining.yaml from the source tree or the installed package's share."""
    if DEFAULT_CONFIG.exists():
        return DEFAULT_CONFIG
    from ament_index_python.packages import get_package_share_directory

    return (
        pathlib.Path(get_package_share_directory("uniintervene_critic"))
        / "config"
        / ("label_mining.yaml")
    )


def normalise(values, range_floor: float) -> np.ndarray:
    values = np.asarray(values, np.float64)
    return (values - values.min()) / max(float(np.ptp(values)), range_floor)


def mined_flags(values, sources, config: MiningConfig = MiningConfig()) -> np.ndarray:
    """Per tick: unproductive by the value's own dynamics (see the module docstring)."""
    c = config
    v = normalise(values, c.range_floor)
    flags = np.zeros(len(v), bool)
    centred_time = np.arange(c.window + 1) - c.window / 2
    for t in range(c.window, len(v)):
        window = v[t - c.window : t + 1]
        steps = np.diff(window)
        slope = np.dot(centred_time, window - window.mean()) / np.dot(centred_time, centred_time)
        declining = (
            slope * c.window < c.decline_slope
            and window[-1] - window[0] < -c.decline_net_drop
            and np.mean(steps < 0) >= c.decline_falling_fraction
        )
        plateau = np.abs(steps).max() < c.plateau_step and np.ptp(window) < c.plateau_range
        flags[t] = declining or plateau
    for t in range(1, len(v)):
        after = v[t : t + c.drop_recovery_ticks + 1]
        if v[t] - v[t - 1] < -c.drop and after.max() < v[t - 1] - c.drop / 2:
            flags[t : t + c.drop_recovery_ticks + 1] = True
    return flags & (np.asarray(sources) != HUMAN)


@dataclass
class Agreement:
    """How mined labels agree with privileged ones, per tick."""

    both: int = 0
    mined: int = 0
    privileged: int = 0

    @property
    def precision(self) -> float:
        return self.both / self.mined if self.mined else 0.0

    @property
    def recall(self) -> float:
        return self.both / self.privileged if self.privileged else 1.0

    def add(self, mined, privileged) -> None:
        mined, privileged = np.asarray(mined, bool), np.asarray(privileged, bool)
        self.both += int((mined & privileged).sum())
        self.mined += int(mined.sum())
        self.privileged += int(privileged.sum())
