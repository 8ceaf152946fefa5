"""Parameter schema of critic_node (see uniintervene_common.params)."""

from uniintervene_common.params import GRIPPER_OPEN_WIDTH, Param
from uniintervene_critic.runtime import TRIGGER_MODES

CRITIC_NODE = (
    Param("model_path", "models/critic", "critic bundle folder (critic.safetensors + .json)"),
    Param(
        "encoder_source",
        "",
        "where a V-JEPA 2 bundle's frozen encoder is loaded from: '' = what the bundle "
        "records, else a hub id (facebook/vjepa2-vitl-fpc64-256) or a local folder",
    ),
    Param("device", "cpu", "where the frozen encoder runs: cpu or cuda"),
    Param(
        "compile_encoder",
        False,
        "torch.compile a V-JEPA 2 encoder (CUDA graphs on cuda): compiled at load, ~45 s "
        "for ViT-L on an H100, then a one-camera tick of 13 ms instead of 53",
    ),
    Param(
        "trigger_mode",
        "value_risk",
        f"{', '.join(TRIGGER_MODES)}: value_risk is UniIntervene with the bundle's trigger "
        "(learned or rule), learned_value_risk / rule_value_risk force one, "
        "failure_prediction is the baseline, the without_* ones the paper's ablations "
        "(settings from training_report.json)",
    ),
    Param(
        "joint_state_timeout",
        0.5,
        "s before joint states are stale (output invalid)",
        0.01,
        10.0,
        read_only=False,
    ),
    Param("image_timeout", 0.5, "s without images before output is invalid", 0.01, 10.0),
    Param(
        "command_timeout",
        0.5,
        "s after which the executed action counts as zero",
        0.01,
        10.0,
        read_only=False,
    ),
    Param("expected_width", 0, "image width the model expects, 0 = any", 0, 8192, read_only=False),
    Param("expected_height", 0, "image height, 0 = any", 0, 8192, read_only=False),
    GRIPPER_OPEN_WIDTH,
)
