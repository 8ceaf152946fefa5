"""Model shapes, bundle persistence, and the V-JEPA 2 encoder on a tiny local config."""

import json

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
