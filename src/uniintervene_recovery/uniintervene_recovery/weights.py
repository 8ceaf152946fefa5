"""The recovery policy's weights as the learner side publishes them: safetensors bytes, a
SHA-256 digest and a JSON config (the policy's sizes), in a PolicyWeights message on
uniintervene/recovery/weights. recovery_node swaps them in between recoveries, never
during one. No pickle: a corrupt or foreign payload is refused with a clear error, and
the policy in use stays."""

import hashlib
import json
from dataclasses import asdict, dataclass

from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy

FORMAT = "uniintervene-recovery-v1"


class RecoveryWeightsError(ValueError):
    """Weights whose digest, config or tensors do not hold together."""


@dataclass
class RecoveryWeights:
    version: int
    config: str  # JSON
    sha256: str
    data: bytes


def pack_recovery(policy: RecoveryPolicy, version: int) -> RecoveryWeights:
    tensors = {k: v.detach().cpu().contiguous() for k, v in policy.state_dict().items()}
    data = save_tensors(tensors)
    config = {"format": FORMAT, **asdict(policy.config)}
    return RecoveryWeights(version, json.dumps(config), hashlib.sha256(data).hexdigest(), data)


def unpack_recovery(weights: RecoveryWeights, latent_dim: int | None = None) -> RecoveryPolicy:
    """The policy in eval mode; `latent_dim`: what the critic makes (others are refused)."""
    data = bytes(weights.data)
    if hashlib.sha256(data).hexdigest() != weights.sha256:
        raise RecoveryWeightsError(f"recovery weights v{weights.version}: SHA-256 mismatch")
    try:
        config = json.loads(weights.config)
        if config.pop("format", None) != FORMAT:
            raise RecoveryWeightsError(f"recovery weights v{weights.version} are not {FORMAT}")
        policy = RecoveryPolicy(PolicyConfig(**config))
        policy.load_state_dict(load_tensors(data))
    except RecoveryWeightsError:
        raise
    except (ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as error:
        raise RecoveryWeightsError(
            f"recovery weights v{weights.version} are unusable: {error}"
        ) from error
    if latent_dim is not None and policy.config.latent_dim != latent_dim:
        raise RecoveryWeightsError(
            f"recovery weights v{weights.version} take {policy.config.latent_dim}-d latents, "
            f"not {latent_dim}-d"
        )
    return policy.eval()
