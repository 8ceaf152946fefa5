"""Per-frame critic latency on this CPU (V-JEPA 2 on a GPU: vjepa2_benchmark.py).

    source scripts/env.sh
    python benchmarks/critic_benchmark.py [--model models/critic]

Times each stage of one control tick on ONE CPU thread at 128x128: encoder (resize to
64x64 + CNN), predictor, value head, temporal risk update; then the whole
CriticRuntime.step.
"""

import argparse
import time

import numpy as np
import torch

from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.risk import TemporalRiskCritic
from uniintervene_critic.runtime import CriticRuntime


def timed(function, repeats: int) -> tuple[float, float]:
    for _ in range(5):
        function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1e3)
    return float(np.median(samples)), float(np.percentile(samples, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="trained critic folder (default: random weights)")
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.model:
        bundle = CriticBundle.load(
            args.model, device="cuda" if torch.cuda.is_available() else "cpu"
        )
    else:
        config = CriticConfig()
        bundle = CriticBundle(config, SimCNNEncoder().eval(), ActionValueModel(config).eval())
    image = np.random.default_rng(0).integers(0, 255, (128, 128, 3), dtype=np.uint8)
    latent = torch.zeros(1, bundle.config.latent_dim)
    proprio, action = torch.zeros(1, 7), torch.zeros(1, 7)
    risk = TemporalRiskCritic(bundle.config.risk)
    values = iter(np.random.default_rng(1).random(10_000))
    runtime = CriticRuntime(bundle)
    with torch.no_grad():
        stages = {
            f"encoder ({bundle.config.encoder})": lambda: bundle.encoder.encode(image[None, None]),
            "predictor F(z, a)": lambda: bundle.model.predict(latent, proprio, action),
            "value head V(z)": lambda: bundle.model.value(latent),
            "temporal risk update": lambda: risk.update(float(next(values))),
            "whole tick (CriticRuntime.step)": lambda: runtime.step(
                image, np.zeros(7), np.zeros(7)
            ),
        }
        print(f"critic latency per frame, 128x128 input, 1 CPU thread ({args.repeats} runs)")
        print(f"{'stage':<34}{'median ms':>10}{'p99 ms':>9}")
        for name, function in stages.items():
            median, p99 = timed(function, args.repeats)
            print(f"{name:<34}{median:>10.3f}{p99:>9.3f}")


if __name__ == "__main__":
    main()
