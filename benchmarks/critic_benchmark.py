"""Per-frame critic latency on this CPU, and V-JEPA 2 throughput where a GPU exists.

    source scripts/env.sh
    python benchmarks/critic_benchmark.py [--model models/critic] [--vjepa2-vitl]

Times each stage of one control tick on ONE CPU thread at 128x128: encoder (resize to
64x64 + CNN), predictor, value head, temporal risk update; then the whole
CriticRuntime.step. With --vjepa2-vitl it builds V-JEPA 2 ViT-L (the hub checkpoint's
architecture, random weights: nothing is downloaded) and measures clips per second, in
bf16 on a GPU if one is present, else fp32 on the CPU.
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
    parser.add_argument("--vjepa2-vitl", action="store_true")
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
    if args.vjepa2_vitl:
        vjepa2_throughput()


def vjepa2_throughput() -> None:
    from transformers import VJEPA2Config, VJEPA2Model

    from uniintervene_critic.encoders import VJEPA2Encoder

    cuda = torch.cuda.is_available()
    device, dtype = ("cuda", torch.bfloat16) if cuda else ("cpu", torch.float32)
    torch.set_num_threads(torch.get_num_threads() if cuda else 2)
    model = VJEPA2Model(VJEPA2Config()).to(device, dtype)  # ViT-L/16, 256 px: hub defaults
    encoder = VJEPA2Encoder(model, clip_length=16, stride=2)
    batch = 8 if cuda else 1
    frames = np.random.default_rng(0).integers(
        0, 255, (batch, encoder.frames_needed, 256, 256, 3), dtype=np.uint8
    )
    repeats = 20 if cuda else 2
    median, _ = timed(lambda: encoder.encode(frames), repeats)
    if cuda:
        torch.cuda.synchronize()
    print(
        f"\nV-JEPA 2 ViT-L, 16-frame clips at 256 px, {device} {dtype}: "
        f"{batch / median * 1e3:.1f} clips/s ({median / batch:.1f} ms per clip)"
    )


if __name__ == "__main__":
    main()
