"""Parameter schema of recovery_node (see uniintervene_common.params)."""

from uniintervene_common.params import Param
from uniintervene_recovery.controller import RecoveryConfig
from uniintervene_recovery.memory import RetrievalConfig

_recovery, _retrieval = RecoveryConfig(), RetrievalConfig()

RECOVERY_NODE = (
    Param("policy_path", "models/recovery", "folder of recovery_policy.safetensors + .json"),
    Param("memory_path", "models/recovery/memory.safetensors", "intervention memory file"),
    Param("task", "", "task name to retrieve targets for ('' = any)"),
    Param("control_period", 0.1, "s per recovery command", 0.01, 1.0),
    Param(
        "input_timeout",
        0.5,
        "s before critic latent/value are stale (goal fails)",
        0.05,
        10.0,
        read_only=False,
    ),
    Param(
        "save_memory_on_success",
        True,
        "add verified recoveries to the memory file",
        read_only=False,
    ),
    Param(
        "value_margin",
        _recovery.value_margin,
        "success when value >= target value - margin",
        0.0,
        1.0,
        read_only=False,
    ),
    Param(
        "distance_threshold",
        _recovery.distance_threshold,
        "... or the latent is this close to the target",
        0.0,
        100.0,
        read_only=False,
    ),
    Param(
        "max_ticks",
        _recovery.max_ticks,
        "default limit when a goal says 0",
        1,
        10000,
        read_only=False,
    ),
    Param(
        "stall_ticks",
        _recovery.stall_ticks,
        "ticks without a value gain that end a recovery (stalled)",
        1,
        10000,
        read_only=False,
    ),
    Param(
        "gain_epsilon",
        _recovery.gain_epsilon,
        "a value gain smaller than this is no gain",
        0.0,
        1.0,
        read_only=False,
    ),
    Param(
        "use_gripper",
        _recovery.use_gripper,
        "false: the gripper stays as measured (no regrasp)",
        read_only=False,
    ),
    Param(
        "use_memory_goal",
        _recovery.use_memory_goal,
        "false: the w/o-memory-goal ablation (zero goal)",
        read_only=False,
    ),
    Param(
        "min_gain", _retrieval.min_gain, "a target must beat the current value by this", 0.0, 1.0
    ),
    Param(
        "distance_weight",
        _retrieval.distance_weight,
        "value given up per latent unit of distance",
        0.0,
        10.0,
    ),
)
