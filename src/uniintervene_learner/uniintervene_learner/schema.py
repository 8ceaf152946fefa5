"""Parameter schemas of learner_node and actor_node (see uniintervene_common.params).
The SAC defaults are HiL-SERL's (uniintervene_learner.sac.SACConfig)."""

from uniintervene_common.params import GRIPPER_OPEN_WIDTH, Param
from uniintervene_common.topics import POLICY_WEIGHTS, TRANSITIONS
from uniintervene_learner.learner import LearnerConfig
from uniintervene_learner.sac import SACConfig

_sac, _learner = SACConfig(), LearnerConfig()
LEARNER_NODE = (
    Param("task", _learner.task, "task whose action space the policy acts in"),
    Param("action_spaces_file", "", "YAML of per-task action spaces ('' = the package's)"),
    Param("data_dir", "learner", "folder of the buffers (prior/, online/) and the checkpoint"),
    Param(
        "transition_topics",
        [TRANSITIONS],
        "transition topics to learn from (one per cell, e.g. /cell_1/uniintervene/transitions)",
    ),
    Param("weights_topic", POLICY_WEIGHTS, "where the actor's weights go"),
    Param("latent_dim", _learner.latent_dim, "encoder latent size", 1, 65536),
    Param("proprio_dim", _learner.proprio_dim, "proprioception size (6 joints + gripper)", 1, 64),
    Param("capacity", _learner.capacity, "transitions per buffer", 1000, 100_000_000),
    Param(
        "warmup_transitions",
        _learner.warmup_transitions,
        "stored before the first update",
        1,
        10**7,
    ),
    Param(
        "updates_per_transition",
        _learner.updates_per_transition,
        "gradient updates per stored transition (update-to-data ratio)",
        0.01,
        100.0,
    ),
    Param("publish_every_updates", 100, "updates between weight publications", 1, 10**6),
    Param("checkpoint_every_updates", 1000, "updates between checkpoints", 1, 10**7),
    Param("flush_period", 1.0, "s between buffer flushes (what a crash can lose)", 0.05, 60.0),
    Param("hidden", list(_sac.hidden), "hidden layer sizes of actor and critics"),
    Param("num_critics", _sac.num_critics, "critic ensemble size", 2, 20),
    Param("critic_subsample", _sac.critic_subsample, "members in the min-Q target", 1, 20),
    Param("initial_temperature", _sac.initial_temperature, "initial alpha", 1e-6, 10.0),
    Param(
        "target_entropy_scale", _sac.target_entropy_scale, "target entropy -scale*|A|", 0.0, 10.0
    ),
    Param("learning_rate", _sac.learning_rate, "Adam step size (all networks)", 1e-6, 1.0),
    Param("tau", _sac.tau, "Polyak factor of the target critics", 1e-5, 1.0),
    Param("discount", _sac.discount, "gamma", 0.0, 1.0),
    Param(
        "batch_size", _sac.batch_size, "transitions per update (half prior, half online)", 2, 65536
    ),
    Param("seed", _sac.seed, "network initialisation and sampling seed", 0, 2**31 - 1),
    Param("device", "auto", "torch device: auto (CUDA when present), cpu or cuda"),
)

ACTOR_NODE = (
    Param("rate", 10.0, "Hz of policy commands", 1.0, 100.0),
    Param("input_timeout", 0.5, "s before the latent or joint states are stale", 0.01, 5.0),
    Param("explore", True, "sample actions (training); false: the mean action", read_only=False),
    Param("weights_topic", POLICY_WEIGHTS, "the learner's weights"),
    GRIPPER_OPEN_WIDTH,
    Param("base_frame", "base_link", "frame of the commanded twist"),
)

REWARD_NODE = (
    Param("model_path", "models/reward", "folder of the reward classifier (train-reward)"),
)
