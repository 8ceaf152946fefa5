"""Intervention memory: where to recover to.

Each entry is a state that a correction reached: its latent, its value, task, episode, time,
and the corrective segment (latents, proprioception and actions) that got there. Entries
come from recorded human corrections whose end value beat their start value, from verified
autonomous recoveries, and are added online.

Retrieval rule, for the current latent z and value v: among entries of the same task
whose value is at least v + min_gain, take the `candidates` nearest to z (Euclidean) and
return the one maximising  value - distance_weight * ||z - z_entry||  (high value, but
reachable: close in latent space). Up to `exact_limit` entries per task the search is
exact brute force; beyond it FAISS (an inverted-file index) does it.

Files are safetensors (no pickle) written atomically, with a format version; a corrupt or
mismatched file is an error, never a silently empty memory.
"""

import json
import pathlib
from dataclasses import dataclass

import faiss
import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

from uniintervene_common.atomic import atomic_write

FORMAT, VERSION = "uniintervene-memory", "1"


class MemoryFileError(ValueError):
    """A memory file is missing, corrupt, of another version or another latent size."""


@dataclass
class RetrievalConfig:
    min_gain: float = 0.05  # target must beat the current value by this much
    distance_weight: float = 0.1  # value units given up per latent unit of distance
    candidates: int = 64  # nearest neighbours considered
    exact_limit: int = 50_000  # per task; above it FAISS IVF (approximate) is used
    nprobe: int = 16


@dataclass
class Target:
    entry_id: str
    latent: np.ndarray
    value: float
    distance: float
    score: float
    proprio: np.ndarray | None = None  # where its correction left the arm (None: unknown)


@dataclass
class Segment:
    latents: np.ndarray  # K x D
    proprio: np.ndarray  # K x P
    actions: np.ndarray  # K x 7


class _TaskIndex:
    """Nearest-neighbour search over one task's entries (brute force or FAISS IVF), with
    their values and the best of them, so a query costs the search and k lookups, not a
    pass over every entry."""

    def __init__(self, latents: np.ndarray, values: np.ndarray, exact_limit: int, nprobe: int):
        self.latents = np.ascontiguousarray(latents, np.float32)
        self.values = np.ascontiguousarray(values, np.float32)
        self.best = float(values.max()) if len(values) else -np.inf
        self.faiss_index = None
        if len(latents) > exact_limit:
            dim = latents.shape[1]
            lists = int(4 * np.sqrt(len(latents)))
            quantizer = faiss.IndexFlatL2(dim)
            self.faiss_index = faiss.IndexIVFFlat(quantizer, dim, lists)
            sample = self.latents[np.random.default_rng(0).permutation(len(latents))[: lists * 40]]
            self.faiss_index.train(sample)
            self.faiss_index.add(self.latents)
            self.faiss_index.nprobe = nprobe

    def nearest(self, latent: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self.latents))
        if self.faiss_index is not None:
            squared, index = self.faiss_index.search(latent[None].astype(np.float32), k)
            keep = index[0] >= 0
            return index[0][keep], np.sqrt(np.maximum(squared[0][keep], 0.0))
        distance = np.linalg.norm(self.latents - latent, axis=1)
        index = (
            np.argpartition(distance, k - 1)[:k] if k < len(distance) else np.arange(len(distance))
        )
        return index, distance[index]


class InterventionMemory:
    def __init__(self, latent_dim: int, config: RetrievalConfig | None = None, encoder: str = ""):
        self.latent_dim = latent_dim
        self.encoder = encoder  # whose latents these are ('' = not recorded): others never mix
        self.config = config or RetrievalConfig()
        self.latents = np.zeros((0, latent_dim), np.float32)
        self.values = np.zeros(0, np.float32)
        self.times = np.zeros(0, np.float32)
        self.tasks: list[str] = []
        self.episodes: list[str] = []
        self.segments: list[Segment] = []
        self._indexes: dict[str, tuple[_TaskIndex, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.values)

    def entry_id(self, i: int) -> str:
        return f"{self.tasks[i]}/{self.episodes[i]}/{self.times[i]:.1f}"

    def add(
        self,
        latent,
        value: float,
        task: str,
        episode: str,
        time: float,
        segment: Segment | None = None,
    ) -> str:
        latent = np.asarray(latent, np.float32).reshape(-1)
        if latent.shape != (self.latent_dim,) or not np.all(np.isfinite(latent)):
            raise ValueError(f"latent must be {self.latent_dim} finite numbers")
        if not np.isfinite(value):
            raise ValueError("value must be finite")
        empty = Segment(
            np.zeros((0, self.latent_dim), np.float32),
            np.zeros((0, 7), np.float32),
            np.zeros((0, 7), np.float32),
        )
        self.latents = np.vstack([self.latents, latent[None]])
        self.values = np.append(self.values, np.float32(value))
        self.times = np.append(self.times, np.float32(time))
        self.tasks.append(task)
        self.episodes.append(str(episode))
        self.segments.append(segment or empty)
        self._indexes.pop(task, None)
        return self.entry_id(len(self) - 1)

    def _index(self, task: str):
        if task not in self._indexes:
            rows = np.flatnonzero(np.array(self.tasks) == task) if task else np.arange(len(self))
            self._indexes[task] = (
                _TaskIndex(
                    self.latents[rows],
                    self.values[rows],
                    self.config.exact_limit,
                    self.config.nprobe,
                ),
                rows,
            )
        return self._indexes[task]

    def retrieve(self, latent, value: float, task: str = "") -> tuple[Target | None, str]:
        """(target, "") or (None, why nothing qualified)."""
        c = self.config
        latent = np.asarray(latent, np.float32).reshape(-1)
        if latent.shape != (self.latent_dim,) or not np.all(np.isfinite(latent)):
            return None, f"current latent is not {self.latent_dim} finite numbers"
        if len(self) == 0:
            return None, "the intervention memory is empty"
        index, rows = self._index(task)
        if len(rows) == 0:
            return None, f"no memory entries for task {task!r}"
        if index.best < value + c.min_gain:
            return None, (
                f"no entry of task {task or 'any'!r} beats value {value:.2f} by "
                f"{c.min_gain} (best {index.best:.2f})"
            )
        for k in (c.candidates, c.candidates * 16):
            local, distance = index.nearest(latent, k)
            keep = index.values[local] >= value + c.min_gain
            if keep.any():
                local, distance = local[keep], distance[keep]
                scores = index.values[local] - c.distance_weight * distance
                best = int(np.argmax(scores))
                row = int(rows[local[best]])
                segment = self.segments[row]
                ticks = segment.proprio if segment is not None else ()
                return Target(
                    self.entry_id(row),
                    self.latents[row].copy(),
                    float(self.values[row]),
                    float(distance[best]),
                    float(scores[best]),
                    ticks[-1].copy() if len(ticks) else None,
                ), ""
        return None, f"no better entry among the {c.candidates * 16} nearest states"

    # -- persistence ------------------------------------------------------------------------
    def save(self, path) -> None:
        path = pathlib.Path(path)
        offsets = np.cumsum([0] + [len(s.actions) for s in self.segments]).astype(np.int64)

        def stack(name, width):
            parts = [getattr(s, name) for s in self.segments]
            return (
                np.concatenate(parts).astype(np.float32)
                if offsets[-1]
                else np.zeros((0, width), np.float32)
            )

        tensors = {
            "latents": self.latents,
            "values": self.values,
            "times": self.times,
            "segment_offsets": offsets,
            "segment_latents": stack("latents", self.latent_dim),
            "segment_proprio": stack("proprio", 7),
            "segment_actions": stack("actions", 7),
        }
        metadata = {
            "format": FORMAT,
            "version": VERSION,
            "latent_dim": str(self.latent_dim),
            "encoder": self.encoder,
            "tasks": json.dumps(self.tasks),
            "episodes": json.dumps(self.episodes),
        }
        atomic_write(
            path,
            lambda temporary: save_file(
                {k: np.ascontiguousarray(v) for k, v in tensors.items()},
                temporary,
                metadata=metadata,
            ),
        )

    @classmethod
    def load(
        cls,
        path,
        latent_dim: int | None = None,
        config: RetrievalConfig | None = None,
        encoder: str = "",
    ) -> "InterventionMemory":
        """`latent_dim`, `encoder`: what the critic makes; a memory of other latents is
        refused (an older file without an encoder tag passes the encoder check)."""
        path = pathlib.Path(path)
        try:
            with safe_open(str(path), framework="numpy") as handle:
                metadata = handle.metadata() or {}
            tensors = load_file(str(path))
        except FileNotFoundError as error:
            raise MemoryFileError(f"no intervention memory at {path}") from error
        except (SafetensorError, OSError, ValueError) as error:
            raise MemoryFileError(f"{path} is corrupt: {error}") from error
        if metadata.get("format") != FORMAT:
            raise MemoryFileError(f"{path} is not an intervention memory file")
        if metadata.get("version") != VERSION:
            raise MemoryFileError(
                f"{path}: memory format version {metadata.get('version')!r}, "
                f"this build reads {VERSION!r}"
            )
        dim = int(metadata["latent_dim"])
        if latent_dim is not None and dim != latent_dim:
            raise MemoryFileError(f"{path} holds {dim}-d latents; the critic makes {latent_dim}-d")
        stored = metadata.get("encoder", "")
        if encoder and stored and stored != encoder:
            raise MemoryFileError(f"{path} holds {stored!r} latents; the critic's are {encoder!r}")
        memory = cls(dim, config, stored or encoder)
        try:
            memory.latents, memory.values = tensors["latents"], tensors["values"]
            memory.times = tensors["times"]
            memory.tasks = json.loads(metadata["tasks"])
            memory.episodes = json.loads(metadata["episodes"])
            offsets = tensors["segment_offsets"]
            memory.segments = [
                Segment(
                    tensors["segment_latents"][a:b],
                    tensors["segment_proprio"][a:b],
                    tensors["segment_actions"][a:b],
                )
                for a, b in zip(offsets[:-1], offsets[1:], strict=True)
            ]
        except (KeyError, json.JSONDecodeError) as error:
            raise MemoryFileError(f"{path} is incomplete: {error}") from error
        n = len(memory.values)
        if not (
            len(memory.latents)
            == len(memory.times)
            == len(memory.tasks)
            == len(memory.episodes)
            == len(memory.segments)
            == n
        ):
            raise MemoryFileError(f"{path}: entry arrays disagree in length")
        return memory
