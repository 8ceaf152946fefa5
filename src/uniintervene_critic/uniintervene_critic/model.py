"""The future-conditioned action-value model and its on-disk bundle.

Predictor F(z_t, proprio_t, a_t) -> z_hat_{t+h} (a residual MLP: our own action-conditioned
head; V-JEPA 2's predictor is a masked-latent infill model, not action-conditioned), and
value head V(z) in [0, 1]. q_t = V(F(z_t, a_t)) scores the predicted consequence of the
executed action; V(z_t) is the plain state value (the "w/o future prediction" ablation).

A bundle directory holds `critic.safetensors` (encoder, predictor and value weights) and
`critic.json` (architecture, training figures, calibrated risk thresholds). Loading
checks both and says what is wrong; nothing is unpickled. A V-JEPA 2 bundle holds our
heads only: critic.json records where the frozen encoder comes from (a hub id or a local
folder), its clip length, stride, resolution and dtype, and loading fetches it from there
(or from an override, e.g. the same model in another folder on a robot computer).
"""

import json
import pathlib
from dataclasses import asdict, dataclass, field

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from uniintervene_common.atomic import atomic_write
from uniintervene_critic.encoders import SimCNNEncoder, VJEPA2Encoder, WindowEncoder
from uniintervene_critic.failure import FailurePredictor, FailureTriggerConfig
from uniintervene_critic.risk import FiringConfig, RiskConfig
from uniintervene_critic.risk_head import RiskHead, RiskHeadConfig

BUNDLE_VERSION = 1
WEIGHTS, CONFIG = "critic.safetensors", "critic.json"


class ModelFileError(ValueError):
    """A critic bundle is missing, corrupt or does not match this code."""


@dataclass
class CriticConfig:
    latent_dim: int = 64  # the joint latent: views x the encoder's latent size
    views: int = 1  # cameras the critic embeds: 1 (wrist) or 2 (wrist, then scene)
    proprio_dim: int = 7
    action_dim: int = 7
    horizon: int = 5  # ticks between z_t and the predicted z_{t+h}
    hidden: int = 256
    value_members: int = 1  # action-value models averaged (ValueEnsemble where > 1)
    encoder: str = "sim_cnn"
    image_size: int = 64
    risk: RiskConfig = field(default_factory=RiskConfig)
    metrics: dict = field(default_factory=dict)
    latent_scale: float = 1.0  # divides raw encoder latents (unit-ish variance for the heads)
    failure_trigger: FailureTriggerConfig | None = None  # the FA-RL-style baseline, if trained
    # which temporal value-risk trigger the bundle holds: "learned" (risk head + firing rule)
    # or "rule" (`risk`, also the ablation and the fallback)
    trigger: str = "rule"
    risk_head: RiskHeadConfig | None = None
    firing: FiringConfig | None = None
    # Where a frozen encoder that is not stored in the bundle comes from (vjepa2): a hub id
    # or a local folder; image_size is then its resolution (the model's crop size).
    encoder_source: str = ""
    clip_length: int = 1  # frames per clip
    stride: int = 1  # ticks between a clip's frames
    encoder_dtype: str = "float32"


ENCODERS = ("sim_cnn", "vjepa2")


def load_video_encoder(config: CriticConfig, directory, source=None, device="cpu", compile=False):
    """The frozen V-JEPA 2 encoder a bundle was trained with, from `source` (default: the
    recorded hub id or folder); ModelFileError if it cannot be loaded or does not match.
    `compile`: torch.compile it, compiled here for the run time's batch (its views)."""
    source = source or config.encoder_source
    if not source:
        raise ModelFileError(f"{directory / CONFIG} records no V-JEPA 2 source: give one")
    try:
        encoder = VJEPA2Encoder.from_pretrained(
            source, config.clip_length, config.stride, device, config.encoder_dtype, compile
        )
    except ValueError as error:  # EncoderLoadError included
        raise ModelFileError(f"critic bundle {directory}: {error}") from error
    found = (encoder.latent_dim, encoder.crop_size)
    wanted = (config.latent_dim // config.views, config.image_size)  # per view
    if found != wanted:
        raise ModelFileError(
            f"V-JEPA 2 from {source} has hidden size {found[0]}, crop {found[1]}; the critic "
            f"in {directory} was trained on {wanted[0]}, {wanted[1]}"
        )
    if compile:
        encoder.warm_up(config.views)
    return encoder


class ActionValueModel(nn.Module):
    def __init__(self, config: CriticConfig):
        super().__init__()
        c = config
        self.predictor = nn.Sequential(
            nn.Linear(c.latent_dim + c.proprio_dim + c.action_dim, c.hidden),
            nn.GELU(),
            nn.Linear(c.hidden, c.hidden),
            nn.GELU(),
            nn.Linear(c.hidden, c.latent_dim),
        )
        self.value_head = nn.Sequential(
            nn.Linear(c.latent_dim, c.hidden // 2),
            nn.GELU(),
            nn.Linear(c.hidden // 2, c.hidden // 2),
            nn.GELU(),
            nn.Linear(c.hidden // 2, 1),
        )

    def predict(self, latent, proprio, action) -> torch.Tensor:
        return latent + self.predictor(torch.cat([latent, proprio, action], dim=-1))

    def value(self, latent) -> torch.Tensor:
        return torch.sigmoid(self.value_head(latent)).squeeze(-1)

    def forward(self, latent, proprio, action):
        """-> (q = V(F(z, a)), state value V(z), predicted future latent)."""
        future = self.predict(latent, proprio, action)
        return self.value(future), self.value(latent), future


class ValueEnsemble(nn.Module):
    """Action-value models trained from different seeds; q, V(z) and the predicted latent
    are their means. Their errors are partly independent, so the mean q stalls and drops
    less where the task does not (trigger precision rose on every fresh600 seed,
    docs/critic_v2/fresh600/analysis/ensemble5.json)."""

    def __init__(self, config: CriticConfig):
        super().__init__()
        self.members = nn.ModuleList(ActionValueModel(config) for _ in range(config.value_members))

    def predict(self, latent, proprio, action) -> torch.Tensor:
        return torch.stack([m.predict(latent, proprio, action) for m in self.members]).mean(0)

    def value(self, latent) -> torch.Tensor:
        return torch.stack([m.value(latent) for m in self.members]).mean(0)

    def forward(self, latent, proprio, action):
        """-> the members' mean (q, state value V(z), predicted future latent)."""
        outputs = zip(*(m(latent, proprio, action) for m in self.members), strict=True)
        return tuple(torch.stack(parts).mean(0) for parts in outputs)


def value_model(config: CriticConfig) -> ActionValueModel | ValueEnsemble:
    """One action-value model, or an ensemble where the config asks for several."""
    if config.value_members < 1:
        raise ValueError(f"value_members must be at least 1, got {config.value_members}")
    return ActionValueModel(config) if config.value_members == 1 else ValueEnsemble(config)


@dataclass
class CriticBundle:
    config: CriticConfig
    encoder: WindowEncoder  # SimCNNEncoder or VJEPA2Encoder
    model: ActionValueModel | ValueEnsemble
    failure: FailurePredictor | None = None
    risk_head: RiskHead | None = None

    def save(self, directory) -> None:
        directory = pathlib.Path(directory)
        tensors = {}
        if self.encoder.stored_in_bundle:  # never V-JEPA 2: critic.json says where it is
            tensors = {f"encoder.{k}": v.contiguous() for k, v in self.encoder.state_dict().items()}
        tensors |= {f"model.{k}": v.contiguous() for k, v in self.model.state_dict().items()}
        if self.failure is not None:
            tensors |= {
                f"failure.{k}": v.contiguous() for k, v in self.failure.state_dict().items()
            }
        if self.risk_head is not None:
            tensors |= {
                f"risk_head.{k}": v.contiguous() for k, v in self.risk_head.state_dict().items()
            }
        config = {"version": BUNDLE_VERSION, **asdict(self.config)}
        # Weights first, config last: a config on disk always names complete weights.
        atomic_write(directory / WEIGHTS, lambda tmp: save_file(tensors, tmp))
        atomic_write(
            directory / CONFIG,
            lambda tmp: pathlib.Path(tmp).write_text(json.dumps(config, indent=2)),
        )

    @classmethod
    def load(
        cls,
        directory,
        encoder_source=None,
        device: str = "cpu",
        compile_encoder: bool = False,
        heads_only: bool = False,
    ) -> "CriticBundle":
        """`encoder_source` overrides where a V-JEPA 2 encoder is loaded from (a hub id or
        a local folder); `device` runs it ("cpu" or "cuda"), torch.compiled with
        `compile_encoder`; our heads stay on the CPU. `heads_only`: for users of the heads
        on latents alone (the recovery learner): V-JEPA 2 is not loaded, and the bundle's
        encoder is an untrained stand-in that must not embed frames."""  # fmt: skip
        directory = pathlib.Path(directory)
        config = read_config(directory)
        tensors = read_weights(directory)
        if config.views not in (1, 2) or config.latent_dim % config.views:
            raise ModelFileError(f"{directory / CONFIG}: views {config.views} do not fit")
        encoder = SimCNNEncoder(config.latent_dim // config.views, config.image_size)
        try:
            model = value_model(config)
        except ValueError as error:
            raise ModelFileError(f"{directory / CONFIG}: {error}") from error
        try:
            if config.encoder == "sim_cnn":
                encoder.load_state_dict(
                    {k[8:]: v for k, v in tensors.items() if k.startswith("encoder.")}
                )
            model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        except RuntimeError as error:
            raise ModelFileError(f"{directory / WEIGHTS} does not fit {CONFIG}: {error}") from error
        failure = load_failure_head(config, tensors, directory)
        if config.encoder == "vjepa2" and not heads_only:  # last: heads checked before a download
            encoder = load_video_encoder(config, directory, encoder_source, device, compile_encoder)
        return cls(config, encoder.eval(), model.eval(), failure, load_risk_head(config, tensors))


def read_config(directory: pathlib.Path) -> CriticConfig:
    """critic.json as a CriticConfig; ModelFileError when missing, corrupt, of another
    bundle version or another code's fields."""
    try:
        raw = json.loads((directory / CONFIG).read_text())
    except FileNotFoundError as error:
        raise ModelFileError(f"no critic model at {directory} ({CONFIG} missing)") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{directory / CONFIG} is corrupt: {error}") from error
    if raw.pop("version", None) != BUNDLE_VERSION:
        raise ModelFileError(f"{directory / CONFIG}: bundle version is not {BUNDLE_VERSION}")
    try:
        risk = RiskConfig(**raw.pop("risk"))
        failure_trigger = raw.pop("failure_trigger", None)
        risk_head, firing = raw.pop("risk_head", None), raw.pop("firing", None)
        config = CriticConfig(
            risk=risk,
            **raw,
            failure_trigger=failure_trigger and FailureTriggerConfig(**failure_trigger),
            risk_head=risk_head and RiskHeadConfig(**risk_head),
            firing=firing and FiringConfig(**firing),
        )
    except (TypeError, KeyError) as error:
        raise ModelFileError(f"{directory / CONFIG} does not match this code: {error}") from error
    if config.encoder not in ENCODERS:
        raise ModelFileError(f"{directory / CONFIG}: unknown encoder {config.encoder!r}")
    return config


def read_weights(directory: pathlib.Path) -> dict:
    try:
        return load_file(str(directory / WEIGHTS))
    except FileNotFoundError as error:
        raise ModelFileError(f"{directory / WEIGHTS} is missing") from error
    except (SafetensorError, OSError) as error:
        raise ModelFileError(f"{directory / WEIGHTS} is corrupt: {error}") from error


def load_failure_head(config: CriticConfig, tensors: dict, directory) -> "FailurePredictor | None":
    """The failure-prediction baseline's head, where the bundle has one."""
    weights = {k[8:]: v for k, v in tensors.items() if k.startswith("failure.")}
    if not weights:
        return None
    failure = FailurePredictor(config.latent_dim, config.proprio_dim)
    try:
        failure.load_state_dict(weights)
    except RuntimeError as error:
        raise ModelFileError(f"{directory / WEIGHTS}: failure head: {error}") from error
    return failure.eval()


def load_risk_head(config: CriticConfig, tensors: dict) -> RiskHead | None:
    """The learned risk head where the bundle holds one; a "learned" bundle without it is
    an error (its trigger would silently be another)."""
    weights = {k[10:]: v for k, v in tensors.items() if k.startswith("risk_head.")}
    if config.trigger not in ("learned", "rule"):
        raise ModelFileError(f"bundle trigger {config.trigger!r} is not 'learned' or 'rule'")
    if config.risk_head is None or not weights:
        if config.trigger == "learned":
            raise ModelFileError("bundle says its trigger is learned but holds no risk head")
        return None
    if config.firing is None:
        raise ModelFileError("bundle holds a risk head but no firing rule")
    head = RiskHead(config.risk_head)
    try:
        head.load_state_dict(weights)
    except RuntimeError as error:
        raise ModelFileError(f"risk head weights do not fit its config: {error}") from error
    return head.eval().requires_grad_(False)
