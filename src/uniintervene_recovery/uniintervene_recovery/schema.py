"""Parameter schema of recovery_node (see uniintervene_common.params)."""

from uniintervene_common import topics
from uniintervene_common.params import GRIPPER_OPEN_WIDTH, Param
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
        "weights_topic",
        topics.RECOVERY_WEIGHTS,
        "the learner side's recovery weights, swapped in between recoveries ('' = none)",
    ),
    Param(
        "remember_corrections",
        True,
        "a human correction whose value rose enters the memory at once",
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
    GRIPPER_OPEN_WIDTH,
)

RECOVERY_LEARNER_NODE = (
    Param("policy_path", "models/recovery", "the offline-trained policy to start from"),
    Param("memory_path", "models/recovery/memory.safetensors", "the memory to start from"),
    Param("critic_path", "models/critic", "critic bundle whose V scores the corrections"),
    Param("data_dir", "recovery_learner", "the grown memory and trained policy (resumed)"),
    Param("task", "", "the task of the corrections' entries when transitions name none"),
    Param(
        "transition_topics",
        [topics.TRANSITIONS],
        "transition topics to learn from (one per cell, e.g. /cell_1/uniintervene/transitions)",
    ),
    Param("weights_topic", topics.RECOVERY_WEIGHTS, "where the recovery weights go"),
    Param("min_improvement", 0.02, "value rise that verifies a correction", 0.0, 1.0),
    Param("updates_per_tick", 1, "gradient steps per training tick", 0, 1000),
    Param("train_period", 0.1, "s between training ticks", 0.001, 10.0),
    Param("publish_every_updates", 100, "updates between weight publications", 1, 10**6),
    Param("save_period", 10.0, "s between saves of the memory and policy", 0.1, 3600.0),
    Param("learning_rate", 3e-4, "AdamW step size", 1e-6, 1.0),
    Param("batch_size", 128, "hindsight-relabelled ticks per update", 1, 65536),
    Param("seed", 0, "sampling seed", 0, 2**31 - 1),
)
