"""Recovery benchmark: retrieval latency vs memory size, policy inference latency.

    source scripts/env.sh
    python benchmarks/recovery_benchmark.py [--sizes 1000,10000,100000,1000000]

Memories of random 64-d latents (one task), queried 200 times each: exact brute force
(what the memory uses up to `exact_limit` entries) against the FAISS inverted-file index
(used above it), with the index build time, whether both retrieve the same target, and
the recall of the 64 nearest. Then the recovery policy's per-tick latency
on one CPU thread.
"""

import argparse
import time

import faiss
import numpy as np
import torch

from uniintervene_recovery.memory import InterventionMemory, RetrievalConfig
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy

DIM = 64


def memory_of(size: int, exact_limit: int, rng) -> InterventionMemory:
    memory = InterventionMemory(DIM, RetrievalConfig(exact_limit=exact_limit))
    memory.latents = rng.normal(size=(size, DIM)).astype(np.float32)
    memory.values = rng.random(size).astype(np.float32)
    memory.times = np.zeros(size, np.float32)
    memory.tasks, memory.episodes, memory.segments = ["wipe"] * size, ["e"] * size, [None] * size
    return memory


def query_ms(memory, queries) -> tuple[float, float]:
    samples = []
    for query in queries:
        started = time.perf_counter()
        memory.retrieve(query, 0.3, "wipe")
        samples.append((time.perf_counter() - started) * 1e3)
    return float(np.median(samples)), float(np.percentile(samples, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    args = parser.parse_args()
    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)  # one core, as the recovery node's retrieval runs
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(200, DIM)).astype(np.float32)
    print(
        f"{'entries':>9} {'brute ms (med/p99)':>20} {'FAISS ms (med/p99)':>20} {'build s':>8}"
        f" {'same target':>12} {'recall@64':>10}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        brute = memory_of(size, 10**12, rng)
        brute.retrieve(queries[0], 0.3, "wipe")
        approx = memory_of(0, 0, rng)
        approx.latents, approx.values = brute.latents, brute.values
        approx.times, approx.tasks = brute.times, brute.tasks
        approx.episodes, approx.segments = brute.episodes, brute.segments
        approx.config = RetrievalConfig(exact_limit=min(size - 1, 50_000))
        started = time.perf_counter()
        approx.retrieve(queries[0], 0.3, "wipe")  # builds the index
        build = time.perf_counter() - started
        # the index first: brute force allocates 256 MB per query at 10^6 entries, and the
        # allocator churn it leaves behind would show in the index's tail latency
        a = query_ms(approx, queries)
        b = query_ms(brute, queries)
        same = np.mean(
            [
                brute.retrieve(q, 0.3, "wipe")[0].entry_id
                == approx.retrieve(q, 0.3, "wipe")[0].entry_id
                for q in queries[:50]
            ]
        )
        k = approx.config.candidates
        exact_index, approx_index = brute._index("wipe")[0], approx._index("wipe")[0]
        recall = np.mean(
            [
                len(set(exact_index.nearest(q, k)[0]) & set(approx_index.nearest(q, k)[0])) / k
                for q in queries[:50]
            ]
        )
        print(
            f"{size:>9} {b[0]:>10.3f}/{b[1]:<9.3f} {a[0]:>10.3f}/{a[1]:<9.3f} {build:>8.2f}"
            f" {same:>12.0%} {recall:>10.0%}"
        )
    policy = RecoveryPolicy(PolicyConfig(latent_dim=DIM)).eval()
    latent, goal, proprio = np.zeros(DIM), np.ones(DIM), np.zeros(7)
    for _ in range(20):
        policy.act(latent, goal, proprio)
    samples = []
    for _ in range(500):
        started = time.perf_counter()
        policy.act(latent, goal, proprio)
        samples.append((time.perf_counter() - started) * 1e3)
    print(
        f"\nrecovery policy inference, 1 CPU thread: median {np.median(samples):.3f} ms, "
        f"p99 {np.percentile(samples, 99):.3f} ms"
    )


if __name__ == "__main__":
    main()
