"""V-JEPA 2 ViT-L at control rate: per-clip latency and throughput, and the critic's
whole tick with one and two cameras, on the GPU if there is one.

    source scripts/env.sh   # or, on a GPU machine without ROS:
    # PYTHONPATH=src/uniintervene_critic:src/uniintervene_common
    python benchmarks/vjepa2_benchmark.py [--device cuda] [--dtypes bfloat16,float32]

It builds the hub checkpoint's architecture (facebook/vjepa2-vitl-fpc64-256: ViT-L/16,
256 px crop) with random weights, which cost the same time as the real ones, writes it
with save_pretrained to a temporary folder and loads it through the critic's own loader:
nothing is downloaded. Frames are camera-sized (480 x 640 RGB, as the RealSense
publishes); clips are 16 frames, 2 ticks apart, as `uniintervene train --encoder vjepa2`
defaults to.
"""

import argparse
import tempfile
import time

import numpy as np
import torch
from critic_benchmark import timed
from torch.nn import functional as F
from transformers import VJEPA2Config, VJEPA2Model

from uniintervene_critic.encoders import VJEPA2Encoder
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.runtime import CriticRuntime

HEIGHT, WIDTH = 480, 640


def camera_clip(batch: int, frames: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (batch, frames, HEIGHT, WIDTH, 3), dtype=np.uint8)


def tick_runtime(encoder: VJEPA2Encoder, views: int) -> CriticRuntime:
    """The critic as critic_node runs it: our heads on the CPU, the encoder on its device."""
    config = CriticConfig(latent_dim=encoder.latent_dim * views, views=views, **encoder.record())
    return CriticRuntime(CriticBundle(config, encoder, ActionValueModel(config).eval()))


def measure(encoder: VJEPA2Encoder, dtype: str, batch_size: int, repeats: int) -> None:
    cuda = next(encoder.model.parameters()).device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    config = encoder.model.config
    parameters = sum(p.numel() for p in encoder.model.encoder.parameters()) / 1e6
    print(
        f"  {dtype}: encoder {parameters:.0f} M parameters, hidden {config.hidden_size}, "
        f"{config.num_hidden_layers} layers, crop {config.crop_size}"
    )
    one, batch = (
        camera_clip(1, encoder.frames_needed),
        camera_clip(max(batch_size, 1), encoder.frames_needed),
    )
    rows = {f"encoder, 1 clip ({dtype})": (lambda: encoder.encode(one), 1)}
    if batch_size > 1:
        rows[f"encoder, {batch_size} clips ({dtype})"] = (lambda: encoder.encode(batch), batch_size)
    frame, proprio = one[0, 0], np.zeros(7)
    for views in (1, 2):
        runtime, scene = tick_runtime(encoder, views), (frame if views == 2 else None)
        rows[f"whole tick, CriticRuntime.step, {views} view(s) ({dtype})"] = (
            lambda runtime=runtime, scene=scene: runtime.step(frame, proprio, proprio, scene),
            1,
        )
    for row, (function, items) in rows.items():
        median, p99 = timed(function, repeats)
        print(f"{row:<52}{median:>10.1f}{p99:>9.1f}{items / median * 1e3:>8.1f}")
    if cuda:
        peak = torch.cuda.max_memory_allocated() / 2**30
        print(f"  peak GPU memory ({dtype}): {peak:.2f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtypes", default="bfloat16,float32")
    parser.add_argument("--clip-length", type=int, default=16)
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--batch", type=int, default=8, help="clips per batch (0: no row)")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the encoder as critic_node's compile_encoder does (reduce-overhead)",
    )
    args = parser.parse_args()
    cuda = args.device == "cuda"
    repeats = args.repeats if cuda else 2
    name = torch.cuda.get_device_name() if cuda else f"CPU, {torch.get_num_threads()} threads"
    print(
        f"V-JEPA 2 ViT-L/16 (random weights), {args.clip_length}-frame clips, stride "
        f"{args.stride}, {HEIGHT}x{WIDTH} frames, on {name}, torch {torch.__version__}"
    )
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        VJEPA2Model(VJEPA2Config()).save_pretrained(folder)
        print(f"{'stage':<52}{'median ms':>10}{'p99 ms':>9}{'per s':>8}")
        for dtype in args.dtypes.split(","):
            encoder = VJEPA2Encoder.from_pretrained(
                folder, args.clip_length, args.stride, args.device, dtype, args.compile
            )
            if args.compile:  # compiled per batch shape on its first call: time one
                started = time.perf_counter()
                encoder.warm_up(1)
                print(f"  torch.compile: first call {time.perf_counter() - started:.1f} s")
            measure(encoder, dtype, args.batch, repeats)
    # What resizing one clip's frames to the crop costs on the CPU (the encoder does it on
    # the model's device): the reason the clip travels to the GPU as uint8.
    clip = torch.from_numpy(camera_clip(1, args.clip_length)[0]).permute(0, 3, 1, 2)

    def resize_on_cpu():
        F.interpolate(clip.float() / 255, size=(256, 256), mode="bilinear", antialias=True)

    torch.set_num_threads(min(torch.get_num_threads(), 4))
    median, p99 = timed(resize_on_cpu, max(repeats // 5, 2))
    print(f"{'resize 1 clip to 256 px on the CPU (4 threads)':<52}{median:>10.1f}{p99:>9.1f}")


if __name__ == "__main__":
    main()
