"""V-JEPA 2 on every device this machine has, in both dtypes a bundle may record: the
latents agree with the CPU's float32 ones, and a bundle saved on the CPU runs on each
device with the same values (CI has the CPU; the GPU machine runs the CUDA cases, see
docs/critic_v2/vjepa2_h100/). No ROS here, so the GPU machine can run it as it is."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F
from transformers import VJEPA2Config, VJEPA2Model

from uniintervene_critic.encoders import VJEPA2Encoder
from uniintervene_critic.model import ActionValueModel, CriticBundle, CriticConfig
from uniintervene_critic.runtime import CriticRuntime

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
HIDDEN, CROP, CLIP, STRIDE = 32, 32, 4, 2


@pytest.fixture(scope="module")
def vjepa2_folder(tmp_path_factory):
    torch.manual_seed(0)
    config = VJEPA2Config(
        hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        crop_size=CROP, patch_size=8, frames_per_clip=CLIP, tubelet_size=2,
        pred_hidden_size=32, pred_num_hidden_layers=1, pred_num_attention_heads=2,
        pred_num_mask_tokens=2, num_pooler_layers=1,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("models") / "vjepa2_tiny"
    VJEPA2Model(config).save_pretrained(folder)
    return folder


def camera_frames(batch: int, frames: int) -> np.ndarray:
    """Camera-sized frames (larger than the crop, not square) with structure to embed."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 60, (batch, frames, 48, 64, 3), dtype=np.uint8)
    for b in range(batch):
        for t in range(frames):
            x = 4 + 3 * t + 7 * b
            images[b, t, 10:30, x : x + 14] = 220
    return images


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("device", DEVICES)
def test_latents_on_each_device_and_dtype_match_the_cpu_float32_ones(vjepa2_folder, device, dtype):
    reference = VJEPA2Encoder.from_pretrained(str(vjepa2_folder), CLIP, STRIDE, "cpu", "float32")
    encoder = VJEPA2Encoder.from_pretrained(str(vjepa2_folder), CLIP, STRIDE, device, dtype)
    assert next(encoder.model.parameters()).device.type == device
    frames = camera_frames(3, encoder.frames_needed)
    expected, latent = reference.encode(frames), encoder.encode(frames)
    assert latent.device.type == "cpu" and latent.dtype == torch.float32
    assert latent.shape == (3, HIDDEN) and torch.isfinite(latent).all()
    similarity = F.cosine_similarity(latent, expected, dim=1)
    assert similarity.min() > (0.9999 if dtype == "float32" else 0.99), similarity
    # the three clips differ, and each device keeps them apart by as much as the CPU does
    assert torch.allclose(torch.cdist(latent, latent), torch.cdist(expected, expected), rtol=0.1)


@pytest.mark.parametrize("device", DEVICES)
def test_a_bundle_saved_on_the_cpu_gives_the_same_ticks_on_each_device(
    vjepa2_folder, tmp_path, device
):
    torch.manual_seed(1)
    encoder = VJEPA2Encoder.from_pretrained(str(vjepa2_folder), CLIP, STRIDE, "cpu", "float32")
    config = CriticConfig(latent_dim=HIDDEN, hidden=32, horizon=2, **encoder.record())
    CriticBundle(config, encoder, ActionValueModel(config).eval()).save(tmp_path)
    on_cpu = CriticRuntime(CriticBundle.load(tmp_path))
    on_device = CriticRuntime(CriticBundle.load(tmp_path, device=device))
    assert next(on_device.bundle.encoder.model.parameters()).device.type == device
    frames = camera_frames(1, 12)[0]
    rng = np.random.default_rng(2)
    for t, frame in enumerate(frames):
        proprio, action = rng.normal(size=7) * 0.1, rng.normal(size=7) * 0.1
        expected, step = on_cpu.step(frame, proprio, action), on_device.step(frame, proprio, action)
        # (cuDNN's patch convolution runs in TF32 on a GPU by default: ~3e-4 off on an H100)
        assert np.allclose(step.latent, expected.latent, atol=1e-3), t
        assert step.value == pytest.approx(expected.value, abs=1e-4)
        assert step.risk.risk == pytest.approx(expected.risk.risk, abs=1e-4)


@pytest.mark.parametrize("ticks", [1, 3, 6, 7, 10])
def test_the_clip_a_ring_buffer_gives_embeds_as_its_whole_window(vjepa2_folder, ticks):
    """The run time copies only the frames a latent reads (`clip_of`), and batches the
    cameras (`encode_clips`); both must give `encode` of the whole window, early in an
    episode (the oldest frame standing in) as well as later."""
    encoder = VJEPA2Encoder.from_pretrained(str(vjepa2_folder), CLIP, STRIDE, "cpu", "float32")
    frames = camera_frames(2, ticks)
    windows = [list(views[-encoder.frames_needed :]) for views in frames]
    clips = np.stack([encoder.clip_of(window) for window in windows])
    assert clips.shape[1] == CLIP
    expected = encoder.encode(np.stack([np.stack(w) for w in windows]))
    assert torch.allclose(encoder.encode_clips(clips), expected, atol=1e-6)
    with pytest.raises(ValueError, match="a clip has 4 frames, got 3"):
        encoder.encode_clips(clips[:, :3])


@pytest.mark.parametrize("device", DEVICES)
def test_a_compiled_encoder_gives_the_eager_latents(vjepa2_folder, tmp_path, device):
    """critic_node's compile_encoder: torch.compile of the forward (CUDA graphs on a GPU;
    docs/critic_v2/vjepa2_h100/run3_*: one clip 50 -> 9 ms on an H100), compiled while the
    bundle loads, for the run time's batch."""
    encoder = VJEPA2Encoder.from_pretrained(str(vjepa2_folder), CLIP, STRIDE, device, "float32")
    config = CriticConfig(latent_dim=HIDDEN, hidden=32, **encoder.record())
    CriticBundle(config, encoder, ActionValueModel(config).eval()).save(tmp_path)
    compiled = CriticBundle.load(tmp_path, device=device, compile_encoder=True).encoder
    assert compiled.compiled and not encoder.compiled
    # the forward that runs is the compiled one (torch.compile keeps what it wraps)
    assert compiled.features._torchdynamo_orig_callable == compiled.model.get_vision_features
    assert encoder.features == encoder.model.get_vision_features
    clips = np.stack([compiled.clip_of(list(clip)) for clip in camera_frames(1, 9)])
    assert torch.allclose(compiled.encode_clips(clips), encoder.encode_clips(clips), atol=1e-4)
