"""Intervention memory: retrieval ranking, FAISS, persistence and its errors."""

import numpy as np
import pytest

from uniintervene_recovery.memory import (
    InterventionMemory,
    MemoryFileError,
    RetrievalConfig,
    Segment,
)


def constructed():
    memory = InterventionMemory(2, RetrievalConfig(min_gain=0.05, distance_weight=0.1))
    memory.add([1.0, 0.0], 0.9, "wipe", "a", 1.0)  # high value, near
    memory.add([10.0, 0.0], 0.95, "wipe", "b", 2.0)  # a bit higher, far away
    memory.add([0.5, 0.0], 0.45, "wipe", "c", 3.0)  # nearest, but not better enough
    memory.add([0.2, 0.0], 0.99, "pick_eggplant", "d", 4.0)  # best and nearest: other task
    return memory


def test_retrieves_high_value_reachable_target_of_the_same_task():
    target, why = constructed().retrieve([0.0, 0.0], 0.42, "wipe")
    assert why == "" and target.entry_id == "wipe/a/1.0"
    assert target.distance == pytest.approx(1.0) and target.score == pytest.approx(0.8)


def test_distance_weight_trades_value_for_reachability():
    memory = constructed()
    memory.config.distance_weight = 0.001
    assert memory.retrieve([0.0, 0.0], 0.42, "wipe")[0].entry_id == "wipe/b/2.0"


def test_no_target_says_why():
    memory = constructed()
    assert "beats value 0.95" in memory.retrieve([0.0, 0.0], 0.95, "wipe")[1]
    assert (
        "no memory entries for task 'ram_insertion'"
        in memory.retrieve([0, 0], 0.1, "ram_insertion")[1]
    )
    assert "empty" in InterventionMemory(2).retrieve([0, 0], 0.1, "wipe")[1]
    assert "finite" in memory.retrieve([np.nan, 0], 0.1, "wipe")[1]


def test_faiss_index_agrees_with_brute_force_on_a_large_memory():
    rng = np.random.default_rng(0)
    latents = rng.normal(size=(6000, 16)).astype(np.float32)
    values = rng.random(6000).astype(np.float32)
    exact = InterventionMemory(16, RetrievalConfig(exact_limit=10**9))
    approximate = InterventionMemory(16, RetrievalConfig(exact_limit=1000, nprobe=64))
    for memory in (exact, approximate):
        memory.latents, memory.values = latents, values
        memory.times = np.arange(6000, dtype=np.float32)
        memory.tasks, memory.episodes = ["wipe"] * 6000, ["e"] * 6000
        memory.segments = [None] * 6000
    queries = rng.normal(size=(20, 16)).astype(np.float32)
    agree = [
        exact.retrieve(q, 0.5, "wipe")[0].entry_id
        == approximate.retrieve(q, 0.5, "wipe")[0].entry_id
        for q in queries
    ]
    assert approximate._index("wipe")[0].faiss_index is not None
    assert np.mean(agree) >= 0.9


def test_round_trip_and_corrupt_or_mismatched_files(tmp_path):
    memory = constructed()
    segment = Segment(
        np.ones((3, 2), np.float32), np.zeros((3, 7), np.float32), np.full((3, 7), 0.1, np.float32)
    )
    memory.add([2.0, 2.0], 0.7, "wipe", "e", 5.0, segment)
    path = tmp_path / "memory.safetensors"
    memory.save(path)
    loaded = InterventionMemory.load(path, latent_dim=2)
    assert len(loaded) == 5 and loaded.tasks == memory.tasks
    assert np.array_equal(loaded.segments[4].actions, segment.actions)
    assert loaded.retrieve([0, 0], 0.42, "wipe")[0].entry_id == "wipe/a/1.0"
    with pytest.raises(MemoryFileError, match="holds 2-d latents; the critic makes 64-d"):
        InterventionMemory.load(path, latent_dim=64)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(MemoryFileError, match="corrupt"):
        InterventionMemory.load(path)
    with pytest.raises(MemoryFileError, match="no intervention memory"):
        InterventionMemory.load(tmp_path / "missing.safetensors")
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_memory_of_another_encoder_is_refused(tmp_path):
    memory = InterventionMemory(2, encoder="sim_cnn")
    memory.add([1.0, 1.0], 0.9, "wipe", "e", 1.0)
    with pytest.raises(ValueError, match="2 finite numbers"):
        memory.add([1.0, 1.0, 1.0], 0.9, "wipe", "e", 2.0)  # another latent size
    memory.save(tmp_path / "m.safetensors")
    assert (
        InterventionMemory.load(tmp_path / "m.safetensors", 2, encoder="sim_cnn").encoder
        == "sim_cnn"
    )
    with pytest.raises(MemoryFileError, match="holds 'sim_cnn' latents; the critic's are 'vjepa2'"):
        InterventionMemory.load(tmp_path / "m.safetensors", 2, encoder="vjepa2")
