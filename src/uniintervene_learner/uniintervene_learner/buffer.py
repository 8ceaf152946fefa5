"""Transition buffers on disk, written as they fill (no ROS, no pickle).

Each buffer is a folder of memory-mapped `.npy` arrays (obs, action, reward, next_obs,
done) and `buffer.json` (dimensions, capacity, how many transitions are complete). A
transition is first written into the arrays, then `flush()` syncs them and replaces
`buffer.json` atomically: a process killed at any moment, SIGKILL included, reopens with
every transition flushed before the kill. Rows written after the last flush are ignored.
Non-finite values are refused: an unstable simulator step never poisons the buffer.
"""

import json
import pathlib

import numpy as np

from uniintervene_common.atomic import atomic_write

FORMAT, VERSION = "uniintervene-transitions", 1
FIELDS = ("obs", "action", "reward", "next_obs", "done")


class BufferFileError(ValueError):
    """A buffer folder is corrupt, of another format or of other dimensions."""


class TransitionBuffer:
    def __init__(self, directory, obs_dim: int, action_dim: int, capacity: int = 100_000):
        self.directory = pathlib.Path(directory)
        self.obs_dim, self.action_dim, self.capacity = obs_dim, action_dim, capacity
        meta_path = self.directory / "buffer.json"
        self.written = 0
        if meta_path.exists():
            meta = self._read_meta(meta_path)
            wanted = {"obs_dim": obs_dim, "action_dim": action_dim, "capacity": capacity}
            found = {k: meta.get(k) for k in wanted}
            if found != wanted:
                raise BufferFileError(f"{meta_path} holds {found}, not {wanted}")
            self.written = int(meta["written"])
        self.directory.mkdir(parents=True, exist_ok=True)
        shapes = {
            "obs": (capacity, obs_dim),
            "action": (capacity, action_dim),
            "reward": (capacity,),
            "next_obs": (capacity, obs_dim),
            "done": (capacity,),
        }
        self.arrays = {name: self._open(name, shape) for name, shape in shapes.items()}
        if not meta_path.exists():
            self.flush()

    @staticmethod
    def _read_meta(path: pathlib.Path) -> dict:
        try:
            meta = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise BufferFileError(f"{path} is corrupt: {error}") from error
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise BufferFileError(f"{path} is not a {FORMAT} v{VERSION} buffer")
        return meta

    def _open(self, name: str, shape: tuple) -> np.memmap:
        path = self.directory / f"{name}.npy"
        if path.exists():
            try:
                array = np.load(path, mmap_mode="r+", allow_pickle=False)
            except (OSError, ValueError) as error:
                raise BufferFileError(f"{path} is corrupt: {error}") from error
            if array.shape != shape or array.dtype != np.float32:
                raise BufferFileError(f"{path} holds {array.shape} {array.dtype}, not {shape}")
            return array
        return np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=shape)

    def __len__(self) -> int:
        return min(self.written, self.capacity)

    def add(self, obs, action, reward: float, next_obs, done: bool) -> None:
        row = {
            "obs": np.asarray(obs, np.float32).reshape(self.obs_dim),
            "action": np.asarray(action, np.float32).reshape(self.action_dim),
            "reward": np.float32(reward),
            "next_obs": np.asarray(next_obs, np.float32).reshape(self.obs_dim),
            "done": np.float32(bool(done)),
        }
        if not all(np.all(np.isfinite(v)) for v in row.values()):
            raise ValueError("a transition with NaN or infinite values is refused")
        index = self.written % self.capacity
        for name, value in row.items():
            self.arrays[name][index] = value
        self.written += 1

    def flush(self) -> None:
        """Make every transition added so far survive a crash."""
        for array in self.arrays.values():
            array.flush()
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "obs_dim": self.obs_dim,
            "action_dim": self.action_dim,
            "capacity": self.capacity,
            "written": self.written,
        }
        atomic_write(
            self.directory / "buffer.json",
            lambda tmp: pathlib.Path(tmp).write_text(json.dumps(meta, indent=1)),
        )

    def sample(self, size: int, rng: np.random.Generator) -> dict:
        if len(self) == 0:
            raise ValueError(f"cannot sample from the empty buffer {self.directory}")
        index = rng.integers(0, len(self), size)
        return {name: np.asarray(array[index]) for name, array in self.arrays.items()}


def sample_symmetric(prior, online, size: int, rng: np.random.Generator, chunks: int = 1) -> dict:
    """RLPD's batch: half from the prior buffer (demonstrations and interventions), half
    from the online buffer; all from whichever is not empty when the other is. With
    `chunks`, `chunks` such batches of size / chunks rows one after the other (one per
    critic update of a learner iteration), each half and half."""
    if chunks > 1:
        parts = [sample_symmetric(prior, online, size // chunks, rng) for _ in range(chunks)]
        return {name: np.concatenate([part[name] for part in parts]) for name in FIELDS}
    if len(online) == 0 or len(prior) == 0:
        return (prior if len(prior) else online).sample(size, rng)
    half = size // 2
    a, b = prior.sample(half, rng), online.sample(size - half, rng)
    return {name: np.concatenate([a[name], b[name]]) for name in FIELDS}
