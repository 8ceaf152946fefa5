"""Frozen frame encoders behind one interface: a window of frames -> a latent vector.

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

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 1, 3, 1, 1)


def frames_to_tensor(frames) -> torch.Tensor:
    """uint8 frames (B, T, H, W, 3) or (T, H, W, 3) -> float (B, T, 3, H, W) in [0, 1]."""
    array = torch.as_tensor(np.asarray(frames))
    if array.dim() == 4:
        array = array.unsqueeze(0)
    if array.dim() != 5 or array.shape[-1] != 3:
        raise ValueError(f"frames must be (B, T, H, W, 3) RGB, got {tuple(array.shape)}")
    return array.permute(0, 1, 4, 2, 3).float() / 255.0


class SimCNNEncoder(nn.Module):
    """Encoder half of the autoencoder: 64x64 RGB -> latent_dim."""

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
        return self.forward_images(frames_to_tensor(frames)[:, -1])


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


class VJEPA2Encoder(nn.Module):
    """V-JEPA 2's video encoder (frozen), mean-pooled to one latent per clip."""

    name = "vjepa2"

    def __init__(self, model, clip_length: int = 16, stride: int = 2):
        super().__init__()
        self.model = model.eval().requires_grad_(False)
        config = model.config
        self.latent_dim, self.crop_size = config.hidden_size, config.crop_size
        tubelet = config.tubelet_size
        if clip_length < tubelet or clip_length % tubelet:
            raise ValueError(f"clip_length {clip_length} must be a multiple of tubelet {tubelet}")
        self.clip_length, self.stride = clip_length, stride

    @classmethod
    def from_pretrained(
        cls,
        model_id: str = "facebook/vjepa2-vitl-fpc64-256",
        clip_length: int = 16,
        stride: int = 2,
        device: str = "cuda",
        dtype: torch.dtype = torch.bfloat16,
    ) -> "VJEPA2Encoder":
        """Load hub weights (a robot computer with network or a local cache path)."""
        from transformers import VJEPA2Model

        model = VJEPA2Model.from_pretrained(model_id, torch_dtype=dtype).to(device)
        return cls(model, clip_length, stride)

    @property
    def frames_needed(self) -> int:
        """How many recent frames one latent needs (clip_length samples, stride apart)."""
        return (self.clip_length - 1) * self.stride + 1

    @torch.no_grad()
    def encode(self, frames) -> torch.Tensor:
        video = frames_to_tensor(frames)
        if video.shape[1] < self.frames_needed:
            pad = video[:, :1].expand(-1, self.frames_needed - video.shape[1], -1, -1, -1)
            video = torch.cat([pad, video], dim=1)  # repeat the oldest frame at episode start
        video = video[:, -self.frames_needed :: self.stride]
        b, t = video.shape[:2]
        video = F.interpolate(
            video.flatten(0, 1),
            size=(self.crop_size, self.crop_size),
            mode="bilinear",
            antialias=True,
            align_corners=False,
        )
        video = (video.view(b, t, 3, self.crop_size, self.crop_size) - IMAGENET_MEAN) / IMAGENET_STD
        parameter = next(self.model.parameters())
        tokens = self.model.get_vision_features(video.to(parameter.device, parameter.dtype))
        return tokens.float().mean(dim=1).cpu()
