"""Frozen frame encoders behind one interface: a window of frames -> a latent vector.

Every encoder has `frames_needed` (how many recent frames one latent looks at), `encode`
(a batch of windows of recent frames -> latents) and `encode_episode` (an episode's frames
-> one latent per tick, tick t seeing frames up to t, the first frame repeated before the
episode starts). Training computes latents with `encode_episode`; `CriticRuntime` keeps a
ring buffer of the last `frames_needed` frames per camera, takes the frames a latent reads
with `clip_of` and embeds every camera's clip in one batch with `encode_clips`: the same
windows, so the same latents. `stored_in_bundle` says whether the weights live in
critic.safetensors (our sim_cnn) or are loaded from elsewhere (V-JEPA 2: the hub or a local
folder).

- `SimCNNEncoder`: the CPU encoder for the simulated cell. A compact convolutional
  autoencoder pretrained by us on sim frames (reconstruction), then frozen; its
  bottleneck is the latent. Reconstruction was chosen over a contrastive objective because
  it must keep exactly what progress looks like here (where the part is relative to the
  fixture, which cells are wiped, whether the gripper holds the eggplant) and trains
  stably on a few thousand frames on two CPU cores; it runs in about a millisecond.
- `VJEPA2Encoder`: V-JEPA 2 through Hugging Face transformers, the encoder for a robot
  computer (GPU, bf16): mean-pooled patch tokens of the last `clip_length` frames taken
  `stride` apart. Tested here on a tiny, locally built, randomly initialised config.
"""

import pathlib

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 1, 3, 1, 1)


class EncoderLoadError(ValueError):
    """A frozen encoder's weights cannot be loaded (missing folder, unknown hub id, ...)."""


def resize_frames(images: np.ndarray, size: int) -> torch.Tensor:
    """(T, H, W, 3) uint8 -> (T, 3, size, size) float in [0, 1] (area-averaged)."""
    small = np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])
    return torch.from_numpy(small).permute(0, 3, 1, 2).float() / 255.0


def frame_windows(n_frames: int, frames_needed: int) -> np.ndarray:
    """(T, frames_needed) frame indices: tick t's window ends at t, clamped at frame 0."""
    offsets = np.arange(frames_needed) - (frames_needed - 1)
    return np.maximum(np.arange(n_frames)[:, None] + offsets, 0)


class WindowEncoder:
    """The shared interface (see the module docstring); subclasses define `encode`."""

    frames_needed = 1
    stored_in_bundle = True

    @torch.no_grad()
    def encode_episode(self, images: np.ndarray, batch_size: int = 8) -> torch.Tensor:
        """(T, H, W, 3) uint8 frames of one episode -> (T, latent_dim) raw latents."""
        windows = frame_windows(len(images), self.frames_needed)
        return torch.cat(
            [
                self.encode(images[windows[start : start + batch_size]])
                for start in range(0, len(images), batch_size)
            ]
        )

    def clip_of(self, window) -> np.ndarray:
        """The frames of a window (oldest first, at most `frames_needed`) that one latent
        reads, stacked: `encode_clips` of these gives what `encode` of the window gives, and
        the run time copies no frame it does not read."""
        return np.stack(window)

    def encode_clips(self, clips) -> torch.Tensor:
        """(B, T, H, W, 3) uint8 clips from `clip_of` -> (B, latent_dim) raw latents."""
        return self.encode(clips)


def frame_batch(frames) -> torch.Tensor:
    """uint8 frames (B, T, H, W, 3) or (T, H, W, 3) -> a (B, T, H, W, 3) tensor, checked."""
    array = torch.as_tensor(np.asarray(frames))
    if array.dim() == 4:
        array = array.unsqueeze(0)
    if array.dim() != 5 or array.shape[-1] != 3:
        raise ValueError(f"frames must be (B, T, H, W, 3) RGB, got {tuple(array.shape)}")
    return array


class SimCNNEncoder(WindowEncoder, nn.Module):
    """Encoder half of the autoencoder: 64x64 RGB -> latent_dim, from the newest frame."""

    name = "sim_cnn"

    def __init__(self, latent_dim: int = 64, input_size: int = 64):
        super().__init__()
        self.latent_dim, self.input_size, self.clip_length = latent_dim, input_size, 1
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1),
            nn.GELU(),
            nn.Conv2d(32, 64, 4, 2, 1),
            nn.GELU(),
            nn.Conv2d(64, 128, 4, 2, 1),
            nn.GELU(),
            nn.Conv2d(128, 128, 4, 2, 1),
            nn.GELU(),
        )
        self.project = nn.Linear(128 * (input_size // 16) ** 2, latent_dim)

    def forward_images(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) float in [0, 1] -> (N, latent_dim)."""
        if images.shape[-2:] != (self.input_size, self.input_size):
            images = F.interpolate(
                images,
                size=(self.input_size, self.input_size),
                mode="bilinear",
                antialias=True,
                align_corners=False,
            )
        return self.project(self.features(images * 2.0 - 1.0).flatten(1))

    @torch.no_grad()
    def encode(self, frames) -> torch.Tensor:
        """A window of frames (B, T, H, W, 3 uint8) -> (B, latent_dim) from the newest frame."""
        frames = np.asarray(frames)
        if frames.ndim == 4:
            frames = frames[None]
        if frames.ndim != 5 or frames.shape[-1] != 3:
            raise ValueError(f"frames must be (B, T, H, W, 3) RGB, got {frames.shape}")
        return self.forward_images(resize_frames(frames[:, -1], self.input_size))

    def clip_of(self, window) -> np.ndarray:
        return np.asarray(window[-1])[None]

    @torch.no_grad()
    def encode_episode(self, images: np.ndarray, batch_size: int = 0) -> torch.Tensor:
        """One frame per tick: the whole episode in one batch."""
        return self.forward_images(resize_frames(images, self.input_size))

    def record(self) -> dict:
        """What a critic bundle's config records about this encoder."""
        return {"encoder": self.name, "image_size": self.input_size}


class SimCNNDecoder(nn.Module):
    def __init__(self, latent_dim: int = 64, input_size: int = 64):
        super().__init__()
        self.side = input_size // 16
        self.project = nn.Linear(latent_dim, 128 * self.side**2)
        self.features = nn.Sequential(
            nn.ConvTranspose2d(128, 128, 4, 2, 1),
            nn.GELU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1),
            nn.GELU(),
            nn.ConvTranspose2d(64, 32, 4, 2, 1),
            nn.GELU(),
            nn.ConvTranspose2d(32, 3, 4, 2, 1),
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        x = self.project(latent).view(-1, 128, self.side, self.side)
        return torch.sigmoid(self.features(x))


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def looks_like_a_path(source: str) -> bool:
    """A hub id is "org/name"; anything else that names a folder is a local path."""
    return source.startswith(("/", ".", "~")) or source.count("/") != 1 or "\\" in source


class VJEPA2Encoder(WindowEncoder, nn.Module):
    """V-JEPA 2's video encoder (frozen), mean-pooled to one latent per clip. Frames are
    resized to the model's crop size (its rotary positions assume that grid)."""

    name = "vjepa2"
    stored_in_bundle = False  # never copied into a critic bundle: loaded by `source`

    def __init__(
        self, model, clip_length: int = 16, stride: int = 2, source: str = "", compile=False
    ):
        super().__init__()
        self.model = model.eval().requires_grad_(False)
        self.features, self.compiled = self.model.get_vision_features, compile
        if compile:  # one clip is bound by kernel launches: CUDA graphs of the whole forward
            self.features = torch.compile(self.features, mode="reduce-overhead")
        config = model.config
        self.latent_dim, self.crop_size = config.hidden_size, config.crop_size
        tubelet = config.tubelet_size
        if clip_length < tubelet or clip_length % tubelet:
            raise ValueError(f"clip_length {clip_length} must be a multiple of tubelet {tubelet}")
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        self.clip_length, self.stride, self.source = clip_length, stride, source
        self.dtype = next(model.parameters()).dtype

    @classmethod
    def from_pretrained(
        cls,
        source: str = "facebook/vjepa2-vitl-fpc64-256",
        clip_length: int = 16,
        stride: int = 2,
        device: str = "cuda",
        dtype: torch.dtype | str = torch.bfloat16,
        compile: bool = False,
    ) -> "VJEPA2Encoder":
        """Weights from a local folder (`save_pretrained` layout) or a hub id (a robot
        computer with network or the hub cache); EncoderLoadError says why not. `compile`:
        torch.compile (reduce-overhead) the forward, compiled per batch shape on its first
        call (`warm_up`)."""
        from transformers import VJEPA2Model

        if isinstance(dtype, str):
            if dtype not in DTYPES:
                raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
            dtype = DTYPES[dtype]
        folder = pathlib.Path(source).expanduser()
        if folder.is_dir():
            source = str(folder.resolve())
        elif looks_like_a_path(source):
            raise EncoderLoadError(
                f"V-JEPA 2 weights: local folder {source} does not exist "
                "(give a folder written by save_pretrained, or a hub id like "
                "facebook/vjepa2-vitl-fpc64-256)"
            )
        try:
            model = VJEPA2Model.from_pretrained(source, dtype=dtype).to(device)
        except (OSError, ValueError) as error:
            where = (
                f"local folder {source}"
                if folder.is_dir()
                else f"{source} (no such local folder; as a hub id: no network or cache?)"
            )
            raise EncoderLoadError(f"V-JEPA 2 weights from {where}: {error}") from error
        except RuntimeError as error:  # e.g. CUDA asked for on a computer without it
            raise EncoderLoadError(f"V-JEPA 2 on {device}: {error}") from error
        return cls(model, clip_length, stride, source, compile)

    def record(self) -> dict:
        """What a critic bundle's config records (the weights are not copied)."""
        dtype = next(name for name, value in DTYPES.items() if value == self.dtype)
        return {
            "encoder": self.name,
            "image_size": self.crop_size,
            "encoder_source": self.source,
            "clip_length": self.clip_length,
            "stride": self.stride,
            "encoder_dtype": dtype,
        }

    @property
    def frames_needed(self) -> int:
        """How many recent frames one latent needs (clip_length samples, stride apart)."""
        return (self.clip_length - 1) * self.stride + 1

    @torch.no_grad()
    def encode(self, frames) -> torch.Tensor:
        video = frame_batch(frames)
        if video.shape[1] < self.frames_needed:
            pad = video[:, :1].expand(-1, self.frames_needed - video.shape[1], -1, -1, -1)
            video = torch.cat([pad, video], dim=1)  # repeat the oldest frame at episode start
        return self.encode_clips(video[:, -self.frames_needed :: self.stride])

    def clip_of(self, window) -> np.ndarray:
        window = list(window)[-self.frames_needed :]
        missing = self.frames_needed - len(window)  # the oldest frame stands in for these
        picks = range(0, self.frames_needed, self.stride)
        return np.stack([window[max(i - missing, 0)] for i in picks])

    def warm_up(self, batch: int) -> None:
        """One pass on `batch` blank clips: a compiled forward compiles for that shape now,
        not on the first camera frame."""
        self.encode_clips(np.zeros((batch, self.clip_length, 8, 8, 3), np.uint8))

    @torch.no_grad()
    def encode_clips(self, clips) -> torch.Tensor:
        video = frame_batch(clips)
        if video.shape[1] != self.clip_length:
            raise ValueError(f"a clip has {self.clip_length} frames, got {video.shape[1]}")
        parameter = next(self.model.parameters())
        # The clip goes to the model's device as uint8 and is resized there: resizing a
        # camera-sized clip costs the CPU more (benchmarks/vjepa2_benchmark.py).
        video = video.to(parameter.device).permute(0, 1, 4, 2, 3).float() / 255.0
        b, t = video.shape[:2]
        video = F.interpolate(
            video.flatten(0, 1),
            size=(self.crop_size, self.crop_size),
            mode="bilinear",
            antialias=True,
            align_corners=False,
        )
        mean, std = IMAGENET_MEAN.to(video.device), IMAGENET_STD.to(video.device)
        video = (video.view(b, t, 3, self.crop_size, self.crop_size) - mean) / std
        tokens = self.features(video.to(parameter.dtype))
        return tokens.float().mean(dim=1).cpu()


class EpisodeLatentCache:
    """Training's view of a frozen encoder: each episode's latents computed once (the heads
    are trained, calibrated and evaluated on the same episodes several times; with a video
    encoder that is the slow part). `inner` is the encoder itself, for the bundle."""

    def __init__(self, inner: WindowEncoder, batch_size: int = 8):
        self.inner, self.batch_size, self.cache = inner, batch_size, {}
        self.name, self.latent_dim = inner.name, inner.latent_dim

    def encode_episode(self, images: np.ndarray, batch_size: int = 0) -> torch.Tensor:
        key = id(images)
        if key not in self.cache:  # the frames are kept with their latents: ids stay unique
            self.cache[key] = (images, self.inner.encode_episode(images, self.batch_size))
        return self.cache[key][1]
