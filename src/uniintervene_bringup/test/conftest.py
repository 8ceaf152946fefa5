"""Models for the graph's tests: small and untrained (no files, no downloads)."""

import pytest

from uniintervene_bringup.untrained_models import save_untrained_models


@pytest.fixture
def tiny_model_dir(tmp_path):
    save_untrained_models(tmp_path / "models")
    return tmp_path / "models"
