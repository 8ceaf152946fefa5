"""A short, real training run on episodes recorded in the simulator."""

import json

import numpy as np
import pytest

from uniintervene_critic.cli import main as cli_main
from uniintervene_critic.dataset import load_episodes
from uniintervene_critic.model import CriticBundle, ValueEnsemble
from uniintervene_critic.risk import FiringConfig
from uniintervene_critic.train import TrainConfig, train_critic
from uniintervene_critic.views import camera_mount
from uniintervene_experiments.collect import collect
from uniintervene_experiments.evaluation import GraphSettings, run_episode
from uniintervene_recovery.build import build_memory
from uniintervene_recovery.policy import PolicyConfig, RecoveryPolicy
from uniintervene_sim.base_policy import BasePolicy, BasePolicyConfig
from uniintervene_sim.cell import SimCell
from uniintervene_sim.model import CameraConfig
from uniintervene_sim.operator import SimulatedOperator


@pytest.fixture(scope="module")
def episodes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("episodes")
    collect(
        folder,
        ["tube_insertion", "wipe"],
        episodes_per_task=3,
        seed=0,
        image_size=64,
        failure_rate=1.0,
        progress=False,
    )
    return load_episodes(folder)


def test_collected_episodes_hold_interventions_and_privileged_labels(episodes):
    assert len(episodes) == 6
    assert any(e.human_intervention_rate > 0 for e in episodes)
    assert all(e.images.shape[1:] == (64, 64, 3) for e in episodes)
    assert all(0.0 <= e.progress.min() and e.progress.max() <= 1.0 for e in episodes)
    # every episode falls into a fault (failure_rate 1), recorded tick by tick
    assert all(e.faults is not None and len(e.faults) == len(e) for e in episodes)
    assert all(0 < e.faults.sum() < len(e) for e in episodes)


def test_short_training_run_learns_and_writes_a_loadable_bundle(episodes, tmp_path, capsys):
    config = TrainConfig(
        seed=0, autoencoder_epochs=4, value_epochs=12, batch_size=64, value_members=3
    )
    report = train_critic(episodes, tmp_path, config, progress=False)
    assert report["autoencoder_loss"][-1] < 0.7 * report["autoencoder_loss"][0]
    losses = report["history"]["train_loss"]
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:3])
    # The predictor beats "the future looks like now" on held-out latents.
    assert report["latent_prediction_error"] < report["latent_prediction_copy_baseline"]
    assert set(report["triggers"]) == {
        "uniintervene",
        "without_future_prediction",
        "without_value_prediction",
        "without_temporal_critic",
        "failure_prediction",
        "learned_risk",
    }
    learned = report["triggers"]["learned_risk"]
    for scores in report["triggers"].values():  # both privileged label sets score each
        assert {"trigger_f1", "precision", "recall"} <= set(scores)
        assert {"trigger_f1", "precision", "recall"} == set(scores["vs_faults"])
        # the onsets only widen the progress segments backwards: never a worse score
        onsets = scores["vs_progress_onset"]
        assert onsets["precision"] >= scores["precision"] and onsets["recall"] >= scores["recall"]
    assert learned["head_losses"][-1] < learned["head_losses"][0]
    assert {"precision", "recall"} <= set(learned["mined_label_agreement"]["test"])
    bundle = CriticBundle.load(tmp_path)
    assert isinstance(bundle.model, ValueEnsemble) and len(bundle.model.members) == 3
    assert len(report["history"]["members_kept_epoch"]) == 3
    # the bundle holds the rule-based trigger by default, and the learned head beside it
    assert bundle.config.trigger == report["trigger"] == "rule"
    assert bundle.risk_head is not None and bundle.config.firing == FiringConfig(
        **learned["firing"]
    )
    assert bundle.failure is not None and bundle.config.failure_trigger.threshold > 0
    assert (
        bundle.config.risk.stagnation_limit
        == report["triggers"]["uniintervene"]["risk"]["stagnation_limit"]
    )
    assert (tmp_path / "training_losses.png").stat().st_size > 10_000
    assert cli_main(["evaluate", "--report", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "failure_prediction" in table and "without_temporal_critic" in table
    saved = json.loads((tmp_path / "training_report.json").read_text())
    assert saved["q_loss"] == pytest.approx(report["q_loss"])


def test_training_is_reproducible_for_a_seed(episodes, tmp_path):
    config = TrainConfig(seed=3, autoencoder_epochs=1, value_epochs=2, batch_size=64)
    first = train_critic(episodes, tmp_path / "a", config, progress=False)
    second = train_critic(episodes, tmp_path / "b", config, progress=False)
    assert first["q_loss"] == second["q_loss"]
    assert first["history"] == second["history"]


def test_cli_reports_clear_errors(tmp_path, capsys):
    assert cli_main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "m")]) == 2
    assert "no episode files" in capsys.readouterr().err


def test_two_cameras_train_a_two_view_critic_that_memory_and_harness_use(tmp_path):
    """The wrist and the scene camera from the simulator, through training, the recovery
    memory and a supervised episode on a two-camera cell: the joint latent everywhere."""
    collect(tmp_path / "episodes", ["tube_insertion"], 4, seed=0, image_size=32,
            failure_rate=1.0, progress=False, cameras="both")  # fmt: skip
    episodes = load_episodes(tmp_path / "episodes")
    assert all(e.scene_images is not None and e.scene_images.shape == e.images.shape
               for e in episodes)  # fmt: skip
    assert not np.array_equal(episodes[0].images, episodes[0].scene_images)
    config = TrainConfig(latent_dim=8, image_size=32, autoencoder_epochs=1, value_epochs=2)
    train_critic(episodes, tmp_path / "critic", config, progress=False)
    bundle = CriticBundle.load(tmp_path / "critic")
    assert (bundle.config.views, bundle.config.latent_dim) == (2, 16)
    memory, _ = build_memory(episodes, bundle)
    assert memory.latent_dim == 16
    memory.add(np.zeros(16), 1.0, "tube_insertion", "demo", 0.0)
    report = json.loads((tmp_path / "critic" / "training_report.json").read_text())
    cell = SimCell(camera=CameraConfig(mount=camera_mount(2), width=32, height=32))
    outcome = run_episode(
        cell, "tube_insertion", 5, BasePolicy(BasePolicyConfig(failure_rate=1.0)),
        SimulatedOperator(), "uniintervene", bundle, report, memory,
        RecoveryPolicy(PolicyConfig(latent_dim=16, hidden=32)), GraphSettings.load(),
    )  # fmt: skip
    assert outcome.ticks > 10 and len(outcome.values) == outcome.ticks
    with pytest.raises(ValueError, match="no scene image"):  # a one-camera cell cannot feed it
        run_episode(
            SimCell(camera=CameraConfig(width=32, height=32)), "tube_insertion", 5,
            BasePolicy(), SimulatedOperator(), "uniintervene", bundle, report, memory,
            RecoveryPolicy(PolicyConfig(latent_dim=16, hidden=32)), GraphSettings.load(),
        )  # fmt: skip
