"""What the HiL-RL learner observes beside the joints: the frozen encoder's latent (the
system as deployed), the simulator's privileged state (a sim-only ceiling), or both."""

import numpy as np

OBSERVATIONS = ("latent", "state", "latent_state")
STATISTICS_SEED = 899_000  # the state's normalisation layouts: no training or eval seed
MIN_SCALE, CLIP = 0.05, 10.0  # a near-constant input is not blown up


class LearnerObservation:
    """The learner's features of the cell now, proprioception aside. The privileged state
    is standardised per dimension over a few scripted-expert episodes on layouts of their
    own, so every input varies on the same scale (as state-based SAC normalises)."""

    def __init__(self, kind: str, cell, task: str, latent_dim: int, episodes: int = 3):
        if kind not in OBSERVATIONS:
            raise ValueError(f"observation must be one of {OBSERVATIONS}")
        self.kind, self.cell = kind, cell
        if kind != "latent":
            self.mean, self.scale = self._statistics(task, episodes)
        cell.reset(task, 0)
        self.dim = len(self(np.zeros(latent_dim, np.float32)))

    def __call__(self, latent: np.ndarray) -> np.ndarray:
        parts = [] if self.kind == "state" else [latent]
        if self.kind != "latent":
            state = (self.cell.scene().vector() - self.mean) / self.scale
            parts.append(np.clip(state, -CLIP, CLIP))
        return np.concatenate(parts).astype(np.float32)

    def _statistics(self, task: str, episodes: int) -> tuple[np.ndarray, np.ndarray]:
        cell, rows = self.cell, []
        for i in range(episodes):
            cell.reset(task, STATISTICS_SEED + i)
            for _ in range(round(cell.task.episode_seconds / 0.1)):
                scene = cell.scene()
                rows.append(scene.vector())
                try:
                    cell.step(np.asarray(cell.task.expert(scene), float))
                except cell.Unstable:
                    break
                if cell.status().success or cell.status().failure:
                    break
        rows = np.asarray(rows)
        return rows.mean(0), np.maximum(rows.std(0), MIN_SCALE)
