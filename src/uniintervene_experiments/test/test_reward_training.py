"""`uniintervene train-reward` on labelled episode files through the critic's frozen
encoder: the classifier it saves tells the goal frames of held-out episodes apart."""

import json

import numpy as np

from uniintervene_critic.dataset import Episode, save_episode
from uniintervene_experiments.cli import main
from uniintervene_learner.reward import RewardClassifier

TICKS = 30


def labelled_episode(index: int, success: bool) -> Episode:
    rng = np.random.default_rng(index)
    images = rng.integers(0, 80, (TICKS, 32, 32, 3), dtype=np.uint8)  # a dark scene
    if success:
        images[-8:, 8:24, 8:24] = 255  # the goal state: a bright part in place
    return Episode(
        task="pick_eggplant",
        seed=index,
        images=images,
        joint_pos=np.zeros((TICKS, 6), np.float32),
        gripper=np.zeros((TICKS, 1), np.float32),
        actions=np.zeros((TICKS, 7), np.float32),
        sources=np.zeros(TICKS, np.uint8),
        progress=np.linspace(0, 1, TICKS, dtype=np.float32),
        warning=np.zeros(TICKS, np.uint8),
        success=success,
    )


def test_train_reward_learns_the_goal_frames_of_held_out_episodes(tmp_path, tiny_model_dir, capsys):
    episodes = tmp_path / "episodes"
    for i in range(12):
        save_episode(labelled_episode(i, i % 2 == 1), episodes / f"ep_{i:02d}.safetensors")
    argv = ["train-reward", "--episodes", str(episodes), "--models", str(tiny_model_dir)]
    argv += ["--out", str(tmp_path / "reward"), "--steps", "800"]
    assert main(argv) == 0
    assert "held-out precision" in capsys.readouterr().out
    config = json.loads((tmp_path / "reward" / "reward.json").read_text())
    metrics = config["metrics"]
    assert config["latent_dim"] == 16  # the critic encoder's
    assert metrics["validation_precision"] >= 0.9 and metrics["validation_recall"] >= 0.9
    assert RewardClassifier.load(tmp_path / "reward").config.latent_dim == 16
    argv[argv.index("--models") + 1] = str(tmp_path / "none")
    assert main(argv) == 2  # no critic: a clear error, not a traceback
