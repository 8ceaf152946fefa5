"""Recorded episodes on disk: one safetensors file per episode (no pickle), atomic writes.

Tensors: `images` (T x H x W x 3 uint8), `joint_pos` (T x 6), `gripper` (T x 1, measured
closure), `actions` (T x 7, the executed twist + gripper command), `sources` (T, uint8:
ActionCommand's POLICY=0, RECOVERY=1, HUMAN=2, HOLD=3), and the privileged `progress`
(T) and `warning` (T) used only for labels and evaluation; optionally `scene_images`
(T x H x W x 3 uint8), the second camera's view, and, from the simulated cell, the
privileged `faults` (T, uint8): 1 where the base policy acted out an unproductive
behaviour (its ground truth of "should intervene", for evaluation only). Metadata: task,
seed, success, failure_reason, format version.
"""

import json
import pathlib
from dataclasses import dataclass

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

from uniintervene_common.atomic import atomic_write

FORMAT_VERSION = "1"
POLICY, RECOVERY, HUMAN, HOLD = 0, 1, 2, 3
TENSORS = ("images", "joint_pos", "gripper", "actions", "sources", "progress", "warning")
OPTIONAL = ("scene_images", "faults")


class EpisodeFileError(ValueError):
    """An episode file is missing, corrupt or of another format version."""


@dataclass
class Episode:
    task: str
    seed: int
    images: np.ndarray
    joint_pos: np.ndarray
    gripper: np.ndarray
    actions: np.ndarray
    sources: np.ndarray
    progress: np.ndarray
    warning: np.ndarray
    success: bool
    failure_reason: str = ""
    scene_images: np.ndarray | None = None  # the second camera, where there is one
    faults: np.ndarray | None = None  # sim only: the base policy was in a fault this tick

    def __len__(self) -> int:
        return len(self.actions)

    @property
    def proprio(self) -> np.ndarray:
        """Joint positions and gripper closure, the critic's proprioceptive input (T x 7)."""
        return np.concatenate([self.joint_pos, self.gripper], axis=1).astype(np.float32)

    @property
    def human_intervention_rate(self) -> float:
        return float(np.mean(self.sources == HUMAN)) if len(self) else 0.0


def save_episode(episode: Episode, path) -> None:
    tensors = {name: np.ascontiguousarray(getattr(episode, name)) for name in TENSORS}
    for name in OPTIONAL:
        if getattr(episode, name) is not None:
            tensors[name] = np.ascontiguousarray(getattr(episode, name))
    metadata = {
        "format": "uniintervene-episode",
        "version": FORMAT_VERSION,
        "task": episode.task,
        "seed": str(episode.seed),
        "success": json.dumps(bool(episode.success)),
        "failure_reason": episode.failure_reason,
    }
    atomic_write(pathlib.Path(path), lambda tmp: save_file(tensors, tmp, metadata=metadata))


def load_episode(path) -> Episode:
    path = pathlib.Path(path)
    try:
        with safe_open(str(path), framework="numpy") as handle:
            metadata = handle.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as error:
        raise EpisodeFileError(f"{path}: not a readable episode file ({error})") from error
    if metadata.get("format") != "uniintervene-episode":
        raise EpisodeFileError(f"{path}: not a UniIntervene episode file")
    if metadata.get("version") != FORMAT_VERSION:
        raise EpisodeFileError(
            f"{path}: episode format version {metadata.get('version')!r}, "
            f"this build reads {FORMAT_VERSION!r}"
        )
    missing = [name for name in TENSORS if name not in tensors]
    if missing:
        raise EpisodeFileError(f"{path}: missing tensors {missing}")
    lengths = {name: len(tensors[name]) for name in (*TENSORS, *OPTIONAL) if name in tensors}
    if len(set(lengths.values())) != 1:
        raise EpisodeFileError(f"{path}: tensors of different lengths {lengths}")
    return Episode(
        task=metadata["task"],
        seed=int(metadata["seed"]),
        success=json.loads(metadata["success"]),
        failure_reason=metadata.get("failure_reason", ""),
        **{name: tensors.get(name) for name in OPTIONAL},
        **{name: tensors[name] for name in TENSORS},
    )


def load_episodes(directory) -> list[Episode]:
    paths = sorted(pathlib.Path(directory).glob("*.safetensors"))
    if not paths:
        raise EpisodeFileError(f"no episode files (*.safetensors) in {directory}")
    return [load_episode(path) for path in paths]
