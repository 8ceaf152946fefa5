"""The critic at run time, one frame at a time (no ROS: critic_node and the in-process
harness both use it, so every trigger watches the same signal in both). A ring buffer
holds the encoder's last `frames_needed` frames (one for sim_cnn, a clip's span for
V-JEPA 2; cleared on reset, the first frame standing in for older ones as in training),
so tick t's latent is the one training computed for tick t.

Frame + proprioception + executed action -> value, state value, latent, and the risk of
the chosen trigger, fed the signal it was calibrated on:

| trigger_mode | watches | trigger |
|---|---|---|
| value_risk (UniIntervene) | q = V(F(z_t, a_t)) | the bundle's: learned risk head or rule |
| rule_value_risk | q | the rule-based temporal critic (ablation of the learned head) |
| learned_value_risk | q | the learned risk head, whatever the bundle's default |
| failure_prediction (baseline) | P(imminent failure) | failure classifier threshold |
| without_future_prediction | V(z_t) | temporal value-risk critic |
| without_value_prediction | latent distance travelled | temporal value-risk critic |
| without_temporal_critic | q | single-step threshold |
"""

from collections import deque
from dataclasses import dataclass

import numpy as np
import torch

from uniintervene_critic.failure import FailureTrigger, FailureTriggerConfig
from uniintervene_critic.model import CriticBundle
from uniintervene_critic.risk import (
    RiskConfig,
    RiskOutput,
    SingleStepRisk,
    TemporalRiskCritic,
    ThresholdConfig,
)
from uniintervene_critic.risk_head import LearnedRiskTrigger

TRIGGER_MODES = (
    "value_risk",
    "failure_prediction",
    "rule_value_risk",
    "learned_value_risk",
    "without_future_prediction",
    "without_value_prediction",
    "without_temporal_critic",
)
ABLATION_MODES = TRIGGER_MODES[4:]  # calibrated in the training report, not the bundle


@dataclass
class CriticStep:
    value: float  # q_t = V(F(z_t, a_t))
    state_value: float  # V(z_t)
    prediction_error: float  # RMS per latent component of F(z_{t-h}, a_{t-h}) vs z_t; NaN early
    latent: np.ndarray
    risk: RiskOutput
    signal: float  # what the trigger watched this tick
    failure_probability: float  # NaN when the bundle has no failure predictor


def make_trigger(mode: str, bundle: CriticBundle, triggers: dict | None = None):
    """The trigger of `mode`; the ablations' settings come from the training report's
    "triggers" section."""
    if mode not in TRIGGER_MODES:
        raise ValueError(f"trigger_mode must be one of {TRIGGER_MODES}, got {mode!r}")
    if mode == "learned_value_risk" or (
        mode == "value_risk" and bundle.config.trigger == "learned"
    ):
        if bundle.risk_head is None:
            raise ValueError("this critic bundle has no learned risk head (retrain it)")
        return LearnedRiskTrigger(bundle.risk_head, bundle.config.firing)
    if mode in ("value_risk", "rule_value_risk"):
        return TemporalRiskCritic(bundle.config.risk)
    if mode == "failure_prediction":
        if bundle.failure is None or bundle.config.failure_trigger is None:
            raise ValueError("this critic bundle has no failure predictor (retrain it)")
        return FailureTrigger(FailureTriggerConfig(**vars(bundle.config.failure_trigger)))
    if not triggers or mode not in triggers:
        raise ValueError(f"trigger_mode {mode} needs the training report's trigger settings")
    if mode == "without_temporal_critic":
        return SingleStepRisk(ThresholdConfig(**triggers[mode]["threshold"]))
    return TemporalRiskCritic(RiskConfig(**triggers[mode]["risk"]))


def checked_image(image) -> np.ndarray | None:
    if image is None:
        return None
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be H x W x 3 uint8, got {image.shape} {image.dtype}")
    return image


class CriticRuntime:
    def __init__(
        self, bundle: CriticBundle, trigger_mode: str = "value_risk", triggers: dict | None = None
    ):
        self.bundle, self.trigger_mode = bundle, trigger_mode
        self.risk = make_trigger(trigger_mode, bundle, triggers)
        self.progress_spread = 1.0
        if trigger_mode == "without_value_prediction":
            self.progress_spread = triggers[trigger_mode].get("latent_progress_spread", 1.0)
        self.reset()

    @property
    def encoder_name(self) -> str:
        return self.bundle.config.encoder

    def reset(self) -> None:
        """A new episode: no value history, no pending predictions."""
        self.risk.reset()
        self.pending = deque()  # predictions waiting for their real future latent
        # the latest frames of each camera the critic embeds (wrist, then scene)
        needed = self.bundle.encoder.frames_needed
        self.windows = [deque(maxlen=needed) for _ in range(self.bundle.config.views)]
        self.first_latent = None

    def signal(self, q, state_value, latent, failure: float) -> float:
        mode = self.trigger_mode
        if mode == "failure_prediction":
            return failure
        if mode == "without_future_prediction":
            return float(state_value.item())
        if mode == "without_value_prediction":
            travelled = float(torch.linalg.vector_norm(latent[0] - self.first_latent))
            return travelled / self.progress_spread
        return float(q.item())

    def step_observation(self, observation: dict, proprio, action) -> CriticStep:
        """A simulated cell's observation: its `image` and, with two cameras, `scene_image`."""
        return self.step(observation["image"], proprio, action, observation.get("scene_image"))

    @torch.no_grad()
    def step(self, image: np.ndarray, proprio, action, scene_image=None) -> CriticStep:
        """One tick: the wrist (or only) camera's frame, and the scene camera's where the
        critic embeds two views (a one-view critic ignores it)."""
        config = self.bundle.config
        if config.views == 2 and scene_image is None:
            raise ValueError("this critic embeds the wrist and the scene camera: no scene image")
        images = [checked_image(image)] + ([checked_image(scene_image)] * (config.views - 1))
        proprio = torch.as_tensor(np.asarray(proprio, np.float32)).view(1, -1)
        action = torch.as_tensor(np.asarray(action, np.float32)).view(1, -1)
        if proprio.shape[1] != config.proprio_dim or action.shape[1] != config.action_dim:
            raise ValueError(
                f"proprio/action must have {config.proprio_dim}/{config.action_dim} entries"
            )
        if not (torch.isfinite(proprio).all() and torch.isfinite(action).all()):
            raise ValueError("proprio and action must be finite")
        for window, frame in zip(self.windows, images, strict=True):
            window.append(frame.copy())
        encoder = self.bundle.encoder
        clips = [encoder.clip_of(window) for window in self.windows]
        if len({clip.shape for clip in clips}) == 1:  # every camera in one batch: one pass
            batch = clips[0][None] if len(clips) == 1 else np.stack(clips)  # no copy for one
            latent = encoder.encode_clips(batch).reshape(1, -1)
        else:
            latent = torch.cat([encoder.encode_clips(clip[None]) for clip in clips], dim=-1)
        latent = latent / config.latent_scale
        if self.first_latent is None:
            self.first_latent = latent[0].clone()
        q, state_value, future = self.bundle.model(latent, proprio, action)
        error = float("nan")
        self.pending.append(future)
        if len(self.pending) > config.horizon:
            predicted = self.pending.popleft()
            error = float((predicted - latent).pow(2).mean().sqrt())
        failure = (
            float(self.bundle.failure(latent, proprio).item())
            if self.bundle.failure is not None
            else float("nan")
        )
        signal = self.signal(q, state_value, latent, failure)
        if isinstance(self.risk, LearnedRiskTrigger):
            risk = self.risk.update(signal, latent, future)
        else:
            risk = self.risk.update(signal)
        return CriticStep(
            float(q.item()),
            float(state_value.item()),
            error,
            latent[0].numpy(),
            risk,
            signal,
            failure,
        )
