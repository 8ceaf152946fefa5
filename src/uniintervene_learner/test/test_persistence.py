"""Buffers and checkpoints survive a killed learner: a process that adds and flushes
transitions and saves checkpoints is SIGKILLed; what was flushed comes back, exactly."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

from uniintervene_learner.buffer import BufferFileError, TransitionBuffer
from uniintervene_learner.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from uniintervene_learner.sac import SACAgent, SACConfig

WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from uniintervene_learner.buffer import TransitionBuffer
    buffer = TransitionBuffer(sys.argv[1], 3, 2, 1000)
    i = len(buffer)
    while True:  # one flushed transition every 5 ms, its index in every field
        buffer.add([i] * 3, [i, -i], i, [i + 1] * 3, i % 7 == 0)
        buffer.flush()
        print(i, flush=True)
        i += 1
        time.sleep(0.005)
    """
)


def test_a_sigkilled_writer_loses_nothing_it_flushed(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path / "buf")], stdout=subprocess.PIPE, text=True
    )
    lines = []
    deadline = time.monotonic() + 60
    while len(lines) < 50 and time.monotonic() < deadline:
        lines.append(process.stdout.readline())
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    flushed = len([line for line in lines if line.strip()])
    buffer = TransitionBuffer(tmp_path / "buf", 3, 2, 1000)
    assert len(buffer) >= flushed >= 50  # printed after flushing: all of them are back
    rows = np.arange(len(buffer), dtype=np.float32)
    assert np.array_equal(buffer.arrays["obs"][: len(buffer), 0], rows)
    assert np.array_equal(buffer.arrays["reward"][: len(buffer)], rows)
    assert np.array_equal(buffer.arrays["done"][: len(buffer)], (rows % 7 == 0))
    buffer.add([0] * 3, [0, 0], 0.0, [0] * 3, False)  # and it goes on where it stopped
    buffer.flush()
    assert len(TransitionBuffer(tmp_path / "buf", 3, 2, 1000)) == len(rows) + 1


def test_non_finite_transitions_and_mismatched_or_corrupt_buffers_are_refused(tmp_path):
    buffer = TransitionBuffer(tmp_path / "b", 3, 2, 10)
    with pytest.raises(ValueError, match="NaN or infinite"):
        buffer.add([0, np.nan, 0], [0, 0], 0.0, [0] * 3, False)
    assert len(buffer) == 0
    with pytest.raises(BufferFileError, match="not .*'obs_dim': 4"):
        TransitionBuffer(tmp_path / "b", 4, 2, 10)
    (tmp_path / "b" / "buffer.json").write_text("{not json")
    with pytest.raises(BufferFileError, match="buffer.json is corrupt"):
        TransitionBuffer(tmp_path / "b", 3, 2, 10)


def test_checkpoint_restores_networks_optimisers_temperature_and_counters(tmp_path):
    agent = SACAgent(4, 2, SACConfig(hidden=(32, 32), batch_size=8, seed=3), device="cpu")
    rng = np.random.default_rng(0)
    batch = {
        "obs": rng.normal(size=(16, 4)).astype(np.float32),
        "action": rng.uniform(-1, 1, (16, 2)).astype(np.float32),
        "reward": rng.normal(size=16).astype(np.float32),
        "next_obs": rng.normal(size=(16, 4)).astype(np.float32),
        "done": np.zeros(16, np.float32),
    }
    for _ in range(5):
        agent.update(batch)
    save_checkpoint(agent, tmp_path / "learner.safetensors", {"env_steps": 123})
    restored, counters = load_checkpoint(tmp_path / "learner.safetensors", device="cpu")
    assert counters == {"updates": 5, "env_steps": 123} and restored.updates == 5
    obs = batch["obs"][:3]
    assert np.allclose(restored.act(obs, True), agent.act(obs, True))
    assert float(restored.temperature) == pytest.approx(float(agent.temperature))
    # the next update is the same update: optimiser moments and steps came back too
    torch.manual_seed(7)
    restored.generator.manual_seed(7)
    one = restored.update(batch)
    torch.manual_seed(7)
    agent.generator.manual_seed(7)
    two = agent.update(batch)
    assert one == pytest.approx(two, rel=1e-5)


def test_a_corrupt_checkpoint_is_a_clear_error(tmp_path):
    path = tmp_path / "learner.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{broken")
    with pytest.raises(CheckpointError, match="learner.safetensors is corrupt"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.safetensors")
