"""Training targets and evaluation labels.

Proxy value (what the value head regresses): the Monte-Carlo discounted success return,
y_t = gamma^(T - t) on an episode that succeeded at tick T and 0 on one that failed or
timed out. Early states look alike across outcomes, so the regression learns the
behaviour policy's expected discounted success: it rises as the task progresses and
stalls or falls where episodes tend to go wrong. It never uses the privileged progress.

"Should intervene" ground truth (evaluation and threshold calibration only) comes from the
simulator's privileged progress: a tick is unproductive when progress gained less than
`epsilon` over the last `window` ticks, fell by `drop` below that window's best, or the
task warns of imminent failure; ticks the human already drives are excluded. Where the
simulated cell recorded the base policy's faults, a second ground truth marks the ticks
it acted one out (`fault_ticks`): progress also stalls in the expert's own pauses.
"""

from dataclasses import dataclass

import numpy as np

from uniintervene_critic.dataset import HUMAN, Episode

GAMMA = 0.99  # per 0.1 s tick: 10 s to success is worth 0.37


def proxy_values(episode: Episode, gamma: float = GAMMA) -> np.ndarray:
    length = len(episode)
    if not episode.success:
        return np.zeros(length, np.float32)
    return (gamma ** np.arange(length, 0, -1)).astype(np.float32)


@dataclass(frozen=True)
class UnproductiveSpec:
    window: int = 15
    epsilon: float = 0.02
    drop: float = 0.05
    min_length: int = 5
    merge_gap: int = 3


def unproductive_ticks(episode: Episode, spec: UnproductiveSpec = UnproductiveSpec()) -> np.ndarray:
    return unproductive_flags(episode.progress, episode.warning, episode.sources, spec)


def unproductive_flags(
    progress, warning, sources, spec: UnproductiveSpec = UnproductiveSpec()
) -> np.ndarray:
    """Per tick: no progress gain over the window, a drop, or a warning; not human ticks."""
    progress = np.asarray(progress)
    flags = np.zeros(len(progress), bool)
    for t in range(spec.window, len(progress)):
        past = progress[t - spec.window : t + 1]
        stalled = progress[t] - past[0] < spec.epsilon
        fell = progress[t] < past.max() - spec.drop
        flags[t] = stalled or fell
    flags |= np.asarray(warning).astype(bool)
    flags &= np.asarray(sources) != HUMAN
    return flags


def fault_ticks(episode: Episode) -> np.ndarray | None:
    """Per tick: the base policy acted out an unproductive behaviour (a fault, recorded by
    the simulated cell) or the task warned of failure; not human ticks. None where the
    episode has no fault record (real recordings, older files)."""
    if episode.faults is None:
        return None
    flags = np.asarray(episode.faults).astype(bool) | np.asarray(episode.warning).astype(bool)
    return flags & (np.asarray(episode.sources) != HUMAN)


def onset_segments(
    runs: list[tuple[int, int]], spec: UnproductiveSpec = UnproductiveSpec()
) -> list[tuple[int, int]]:
    """Progress segments from where their stall may have begun: a stall is flagged only
    once a whole `window` has passed without gain, so it began up to `window` ticks before
    its segment. Scored against these, a trigger that catches a stall early is a hit, not a
    false alarm and a miss."""
    return [(max(a - spec.window, 0), b) for a, b in runs]


def privileged_label_sets(episodes) -> dict[str, list]:
    """The test split's "should intervene" segments per label source: "progress" always
    (and "progress_onset", the same segments from where their stall may have begun),
    "faults" where every episode records them."""
    progress = [segments(unproductive_ticks(e)) for e in episodes]
    sets = {"progress": progress, "progress_onset": [onset_segments(s) for s in progress]}
    faults = [fault_ticks(e) for e in episodes]
    if faults and all(f is not None for f in faults):
        sets["faults"] = [segments(f) for f in faults]
    return sets


def segments(
    flags: np.ndarray, spec: UnproductiveSpec = UnproductiveSpec()
) -> list[tuple[int, int]]:
    """Runs of True (inclusive start, exclusive end), merging short gaps, dropping short runs."""
    runs = []
    start = None
    for t, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = t
        elif not flag and start is not None:
            if runs and start - runs[-1][1] <= spec.merge_gap:
                runs[-1] = (runs[-1][0], t)
            else:
                runs.append((start, t))
            start = None
    return [(a, b) for a, b in runs if b - a >= spec.min_length]


@dataclass
class TriggerScore:
    true_positives: int = 0
    false_positives: int = 0
    segments: int = 0

    @property
    def precision(self) -> float:
        fired = self.true_positives + self.false_positives
        return self.true_positives / fired if fired else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.segments if self.segments else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "TriggerScore") -> "TriggerScore":
        return TriggerScore(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.segments + other.segments,
        )


def score_triggers(
    trigger_ticks, unproductive: list[tuple[int, int]], tolerance: int = 10
) -> TriggerScore:
    """Segment-level matching: a segment with a trigger inside it (or up to `tolerance` ticks
    after it) is a hit; a trigger matching no segment is a false alarm; extra triggers in an
    already-hit segment count neither way (a re-fire of the same problem)."""
    hit = [False] * len(unproductive)
    false_positives = 0
    for tick in trigger_ticks:
        matched = [i for i, (a, b) in enumerate(unproductive) if a <= tick < b + tolerance]
        if not matched:
            false_positives += 1
        else:
            hit[matched[0]] = True
    return TriggerScore(sum(hit), false_positives, len(unproductive))
