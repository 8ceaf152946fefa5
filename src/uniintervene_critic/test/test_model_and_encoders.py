"""Model shapes, bundle persistence, and the V-JEPA 2 encoder on a tiny local config."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from uniintervene_critic.encoders import SimCNNEncoder
from uniintervene_critic.model import (
    CONFIG,
    WEIGHTS,
    ActionValueModel,
    CriticBundle,
    CriticConfig,
    ModelFileError,
    ValueEnsemble,
    value_model,
)
from uniintervene_critic.runtime import CriticRuntime


def bundle(seed=0):
    torch.manual_seed(seed)
    config = CriticConfig(latent_dim=16, hidden=32)
    return CriticBundle(config, SimCNNEncoder(16).eval(), ActionValueModel(config).eval())


def test_shapes():
    b = bundle()
    frames = np.random.default_rng(0).integers(0, 255, (3, 2, 96, 80, 3), dtype=np.uint8)
    latent = b.encoder.encode(frames)
    assert latent.shape == (3, 16)
    q, v, future = b.model(latent, torch.zeros(3, 7), torch.zeros(3, 7))
    assert q.shape == v.shape == (3,) and future.shape == (3, 16)
    assert torch.all((q > 0) & (q < 1))


def test_bundle_round_trip_gives_identical_outputs(tmp_path):
    original = bundle(1)
    original.save(tmp_path)
    loaded = CriticBundle.load(tmp_path)
    image = np.random.default_rng(1).integers(0, 255, (128, 128, 3), dtype=np.uint8)
    a = CriticRuntime(original).step(image, np.zeros(7), np.ones(7) * 0.1)
    b = CriticRuntime(loaded).step(image, np.zeros(7), np.ones(7) * 0.1)
    assert a.value == b.value and np.array_equal(a.latent, b.latent)
    assert json.loads((tmp_path / CONFIG).read_text())["latent_dim"] == 16


def test_missing_corrupt_and_mismatched_bundles_are_clear_errors(tmp_path):
    with pytest.raises(ModelFileError, match="no critic model"):
        CriticBundle.load(tmp_path)
    bundle().save(tmp_path)
    (tmp_path / WEIGHTS).write_bytes(b"garbage")
    with pytest.raises(ModelFileError, match="corrupt"):
        CriticBundle.load(tmp_path)
    bundle().save(tmp_path)
    config = json.loads((tmp_path / CONFIG).read_text())
    config["latent_dim"] = 32
    (tmp_path / CONFIG).write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="does not fit"):
        CriticBundle.load(tmp_path)
    (tmp_path / CONFIG).write_text("{not json")
    with pytest.raises(ModelFileError, match="corrupt"):
        CriticBundle.load(tmp_path)


def test_an_ensemble_averages_its_members_and_its_bundle_round_trips(tmp_path):
    torch.manual_seed(2)
    config = CriticConfig(latent_dim=16, hidden=32, value_members=3)
    ensemble = value_model(config).eval()
    inputs = torch.randn(4, 16), torch.randn(4, 7), torch.randn(4, 7)
    with torch.no_grad():
        q, state_value, future = ensemble(*inputs)
        members = [member(*inputs) for member in ensemble.members]
    for mean, part in zip((q, state_value, future), zip(*members, strict=True), strict=True):
        assert torch.allclose(mean, torch.stack(part).mean(0))
    assert not torch.allclose(members[0][0], members[1][0])  # seeded apart, they differ
    CriticBundle(config, SimCNNEncoder(16).eval(), ensemble).save(tmp_path)
    loaded = CriticBundle.load(tmp_path)
    assert isinstance(loaded.model, ValueEnsemble) and len(loaded.model.members) == 3
    with torch.no_grad():
        assert torch.equal(loaded.model(*inputs)[0], q)
    raw = json.loads((tmp_path / CONFIG).read_text())
    for members_claimed, error in ((2, "does not fit"), (1, "does not fit"), (0, "at least 1")):
        (tmp_path / CONFIG).write_text(json.dumps(raw | {"value_members": members_claimed}))
        with pytest.raises(ModelFileError, match=error):
            CriticBundle.load(tmp_path)


def test_runtime_reports_prediction_error_after_the_horizon_and_rejects_bad_frames():
    runtime = CriticRuntime(bundle())
    image = np.zeros((64, 64, 3), np.uint8)
    steps = [runtime.step(image, np.zeros(7), np.zeros(7)) for _ in range(7)]
    horizon = runtime.bundle.config.horizon
    assert all(np.isnan(s.prediction_error) for s in steps[:horizon])
    assert all(np.isfinite(s.prediction_error) for s in steps[horizon:])
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        runtime.step(np.zeros((64, 64), np.uint8), np.zeros(7), np.zeros(7))
    with pytest.raises(ValueError, match="finite"):
        runtime.step(image, np.full(7, np.nan), np.zeros(7))


def test_early_stopping_keeps_the_epoch_best_on_the_validation_split():
    """The value head can overfit the training episodes: with a validation split the
    weights of its best epoch are kept (and the test split is never what decides)."""
    from uniintervene_critic.train import (
        TrainConfig,
        model_losses,
        train_value_ensemble,
        train_value_model,
    )

    generator = torch.Generator().manual_seed(0)

    def split(n, noise):  # the target is a function of the latent, plus label noise
        latent = torch.randn(n, 8, generator=generator)
        target = torch.sigmoid(latent[:, 0]) + noise * torch.randn(n, generator=generator)
        return {
            "latent": latent,
            "future": latent,
            "proprio": torch.zeros(n, 7),
            "action": torch.zeros(n, 7),
            "target": target.clamp(0, 1),
            "future_target": target.clamp(0, 1),
        }

    train, validation, test = split(64, 0.4), split(256, 0.0), split(256, 0.0)
    config = CriticConfig(latent_dim=8, hidden=64)
    settings = TrainConfig(value_epochs=30, batch_size=16, learning_rate=3e-3)  # on by default
    model, history = train_value_model(train, test, config, settings, False, validation)
    losses = history["validation_q_loss"]
    assert len(losses) == 30 and history["kept_epoch"] == int(np.argmin(losses)) + 1
    with torch.no_grad():
        kept = model_losses(model, validation, 1.0)[1].item()
    assert kept == pytest.approx(min(losses), rel=1e-5)
    assert kept < 0.8 * losses[-1]  # here the last epoch has overfit: it matters
    off = TrainConfig(value_epochs=30, batch_size=16, learning_rate=3e-3, early_stopping=False)
    _, history = train_value_model(train, test, config, off, False, validation)
    assert "kept_epoch" not in history and "validation_q_loss" not in history
    # an ensemble's first member is the single model of the seed; each member early-stops
    settings = replace(settings, value_members=3)
    ensemble, history = train_value_ensemble(train, test, config, settings, False, validation)
    assert torch.equal(ensemble.members[0].value(test["latent"]), model.value(test["latent"]))
    assert len(history["members_kept_epoch"]) == 3
    with torch.no_grad():
        members = [model_losses(m, test, 1.0)[1].item() for m in ensemble.members]
        assert model_losses(ensemble, test, 1.0)[1].item() < np.mean(members)
