"""Parameter schemas of the simulated cell's nodes (see uniintervene_common.params)."""

from uniintervene_common.params import Param
from uniintervene_sim.base_policy import FAULT_MODES, BasePolicyConfig
from uniintervene_sim.operator import OperatorConfig
from uniintervene_sim.tasks import TASKS

_policy, _operator = BasePolicyConfig(), OperatorConfig()

SIM_NODE = (
    Param("task", "pick_eggplant", f"initial task: {', '.join(TASKS)}"),
    Param("seed", 0, "initial seed", 0, 2**31 - 1),
    Param(
        "camera_mount",
        "wrist",
        "camera on the 'wrist' or 'scene', or 'both' (the scene camera's on its own topic)",
    ),
    Param("image_width", 128, "image width, pixels", 16, 1920),
    Param("image_height", 128, "image height, pixels", 16, 1080),
    Param("render", True, "render camera images (false: only state)"),
    Param("real_time_factor", 1.0, "sim seconds per wall second", 0.1, 20.0),
    Param(
        "command_timeout",
        0.25,
        "s after the last twist before the arm stops (MoveIt Servo's incoming timeout)",
        0.01,
        5.0,
        read_only=False,
    ),
    Param(
        "twist_tracking",
        1.0,
        "fraction of the commanded twist the arm makes (< 1: a lagging controller, as MoveIt "
        "Servo's Float64MultiArray output on a real arm)",
        0.0,
        1.0,
        read_only=False,
    ),
    Param("base_frame", "base_link", "frame of twists and poses"),
    Param("camera_frame", "camera_color_optical_frame", "frame_id of the images"),
)

POLICY_NODE = (
    Param(
        "failure_rate",
        _policy.failure_rate,
        "probability an episode has an unproductive phase",
        0.0,
        1.0,
    ),
    Param("onset_min", _policy.onset_range[0], "earliest onset, s", 0.0, 60.0),
    Param("onset_max", _policy.onset_range[1], "latest onset, s", 0.0, 60.0),
    Param(
        "refault_probability",
        _policy.refault_probability,
        "chance of another fault after an override",
        0.0,
        1.0,
    ),
    Param("action_noise", _policy.action_noise, "std of the twist jitter, m/s and rad/s", 0.0, 0.2),
    Param(
        "region_radius",
        _policy.region_radius,
        "m: a fault ends once the arm is moved this far from where it began",
        0.005,
        0.5,
    ),
    Param(
        "confine_fraction",
        _policy.confine_fraction,
        "the faulty policy's own motion stays within this fraction of the region",
        0.01,
        0.5,
    ),
    Param("modes", list(FAULT_MODES), f"fault modes to draw from: {', '.join(FAULT_MODES)}"),
    Param("base_frame", "base_link", "frame of the commands"),
    Param(
        "publish_servo_directly", False, "also drive the arm (no supervisor: for trying the sim)"
    ),
)

OPERATOR_NODE = (
    Param("patience", _operator.patience, "s without progress before taking over", 0.1, 60.0),
    Param(
        "reaction_delay",
        _operator.reaction_delay,
        "s from noticing a problem to taking over",
        0.0,
        10.0,
    ),
    Param("min_correction", _operator.min_correction, "s the operator drives at least", 0.0, 60.0),
    Param("max_correction", _operator.max_correction, "s the operator drives at most", 0.1, 120.0),
    Param(
        "progress_epsilon",
        _operator.progress_epsilon,
        "smallest progress gain that counts",
        0.0,
        0.5,
    ),
    Param(
        "restore_margin", _operator.restore_margin, "progress gain that ends a correction", 0.0, 1.0
    ),
    Param("enabled", True, "false: never take over (watch only)", read_only=False),
    Param("base_frame", "base_link", "frame of the commands"),
)

IMAGE_SAVER = (
    Param("topic", "camera/camera/color/image_raw", "image topic to save"),
    Param("directory", "frames", "output folder"),
    Param("every_n", 5, "save one frame in this many", 1, 1000, read_only=False),
)
