"""Learner throughput: gradient updates per second at HiL-SERL's batch (256), from
memory-mapped buffers as learner_node samples them, on the CPU and on CUDA when present.

    source scripts/env.sh
    python benchmarks/learner_benchmark.py [--updates 300] [--batch 256] [--critics 2]

Needs only torch, numpy and safetensors besides our sources (no ROS): on a bare GPU
machine, PYTHONPATH=src/uniintervene_common:src/uniintervene_learner is enough.
"""

import argparse
import tempfile
import time

import numpy as np
import torch

from uniintervene_learner.action_space import ActionSpaceConfig
from uniintervene_learner.learner import Learner, LearnerConfig
from uniintervene_learner.sac import SACConfig


def measure(device: str, updates: int, batch: int, critics: int, latent: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        config = LearnerConfig(
            latent_dim=latent,
            capacity=20_000,
            sac=SACConfig(batch_size=batch, num_critics=critics),
            action=ActionSpaceConfig(axes=["x", "y", "z", "yaw"], gripper=True),
        )
        learner = Learner(folder, config, device=device)
        rng = np.random.default_rng(0)
        obs_dim = learner.obs_dim
        for i in range(10_000):  # half prior, half online
            learner.store(
                rng.normal(size=obs_dim), rng.uniform(-0.1, 0.1, 7), i % 3, float(i % 50 == 0),
                rng.normal(size=obs_dim), i % 50 == 0,
            )  # fmt: skip
        for _ in range(20):  # warm-up: allocator, kernels
            learner.update()
        sampling = updating = 0.0
        for _ in range(updates):
            started = time.perf_counter()
            batch_data = learner.sample()
            sampled = time.perf_counter()
            learner.update(batch_data)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            updating += time.perf_counter() - sampled
            sampling += sampled - started
    total = sampling + updating
    return {
        "device": device,
        "updates_per_second": updates / total,
        "sampling_share": sampling / total,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--critics", type=int, default=2)
    parser.add_argument("--latent", type=int, default=64, help="64: the sim encoder")
    args = parser.parse_args(argv)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(
        f"SAC/RLPD updates, batch {args.batch}, {args.critics} critics, obs {args.latent}+7, "
        f"action 5, torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
    )
    for device in devices:
        result = measure(device, args.updates, args.batch, args.critics, args.latent)
        name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
        print(
            f"{device:>4} ({name}): {result['updates_per_second']:7.1f} updates/s "
            f"({100 * result['sampling_share']:.0f} % of it sampling the memory-mapped buffers)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
