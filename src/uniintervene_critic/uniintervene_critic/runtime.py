"""The critic at run time, one frame at a time (no ROS: the node and the in-process
harness both use it). Frame + proprioception + executed action -> value, risk, latent."""

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from uniintervene_critic.failure import FailureTrigger
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.risk import RiskOutput, TemporalRiskCritic
from uniintervene_critic.train import resize_frames


@dataclass
class CriticStep:
    value: float  # q_t = V(F(z_t, a_t))
    state_value: float  # V(z_t)
    prediction_error: float  # RMS per latent component of F(z_{t-h}, a_{t-h}) vs z_t; NaN early
    latent: np.ndarray
    risk: RiskOutput


class CriticRuntime:
    TRIGGER_MODES = ("value_risk", "failure_prediction")

    def __init__(self, bundle: CriticBundle, trigger_mode: str = "value_risk"):
        """trigger_mode: "value_risk" (UniIntervene) or "failure_prediction" (the baseline)."""
        if trigger_mode not in self.TRIGGER_MODES:
            raise ValueError(f"trigger_mode must be one of {self.TRIGGER_MODES}")
        if trigger_mode == "failure_prediction" and bundle.failure is None:
            raise ValueError("this critic bundle has no failure predictor (retrain it)")
        self.bundle, self.trigger_mode = bundle, trigger_mode
        self.risk = (
            TemporalRiskCritic(bundle.config.risk)
            if trigger_mode == "value_risk"
            else FailureTrigger(bundle.config.failure_trigger)
        )
        self.reset()

    @property
    def encoder_name(self) -> str:
        return self.bundle.config.encoder

    def reset(self) -> None:
        self.risk.reset()
        self.pending = deque()  # predictions waiting for their real future latent

    @torch.no_grad()
    def step(self, image: np.ndarray, proprio, action) -> CriticStep:
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be H x W x 3 uint8, got {image.shape} {image.dtype}")
        config = self.bundle.config
        proprio = torch.as_tensor(np.asarray(proprio, np.float32)).view(1, -1)
        action = torch.as_tensor(np.asarray(action, np.float32)).view(1, -1)
        if proprio.shape[1] != config.proprio_dim or action.shape[1] != config.action_dim:
            raise ValueError(
                f"proprio/action must have {config.proprio_dim}/{config.action_dim} entries"
            )
        if not (torch.isfinite(proprio).all() and torch.isfinite(action).all()):
            raise ValueError("proprio and action must be finite")
        frames = resize_frames(image[None], config.image_size)
        latent = self.bundle.encoder.forward_images(frames) / config.latent_scale
        q, state_value, future = self.bundle.model(latent, proprio, action)
        error = float("nan")
        self.pending.append(future)
        if len(self.pending) > config.horizon:
            predicted = self.pending.popleft()
            error = float((predicted - latent).pow(2).mean().sqrt())
        value = float(q.item())
        return CriticStep(
            value, float(state_value.item()), error, latent[0].numpy(), self.risk.update(value)
        )
