"""Labels mined from the value alone, on synthetic value traces."""

import numpy as np
import pytest

from uniintervene_critic.dataset import HUMAN, POLICY
from uniintervene_critic.mining import (
    Agreement,
    MiningConfig,
    installed_config,
    load_mining_config,
    mined_flags,
)

CONFIG = MiningConfig(window=10)


def rising(n, start=0.0, stop=1.0):
    return np.linspace(start, stop, n)


def flags(values, sources=None):
    sources = np.full(len(values), POLICY) if sources is None else sources
    return mined_flags(np.asarray(values), sources, CONFIG)


def test_steady_progress_is_never_unproductive():
    noise = np.random.default_rng(0).normal(0, 0.004, 60)
    assert not flags(rising(60) + noise).any()


def test_a_plateau_is_labelled_once_the_window_has_seen_it():
    values = np.r_[rising(20, 0, 0.5), np.full(30, 0.5), rising(20, 0.5, 1.0)]
    labelled = np.flatnonzero(flags(values))
    # once the 10-tick window lies (almost) inside the plateau (ticks 19..49); a window
    # that still holds 3 ticks of the slow rise moves less than plateau_range
    assert 25 <= labelled.min() <= 29 and 49 <= labelled.max() <= 53
    assert (np.diff(labelled) == 1).all()


def test_a_sustained_decline_is_labelled():
    values = np.r_[rising(20, 0, 0.6), rising(20, 0.6, 0.2), rising(20, 0.2, 1.0)]
    labelled = np.flatnonzero(flags(values))
    assert labelled.size and 25 <= labelled.min() <= 40 and labelled.max() < 45


def test_an_abrupt_drop_counts_only_when_it_does_not_recover():
    recovered = np.r_[rising(30, 0, 0.5), [0.2, 0.4], rising(30, 0.55, 1.0)]
    assert not flags(recovered).any()  # a contact dip that comes back
    stays = np.r_[rising(30, 0, 0.5), [0.2, 0.22, 0.24, 0.26, 0.28, 0.3], rising(30, 0.3, 1.0)]
    labelled = np.flatnonzero(flags(stays))
    assert labelled.min() == 30 and labelled.max() <= 36


def test_human_ticks_are_never_labelled():
    values = np.r_[rising(20, 0, 0.5), np.full(30, 0.5)]
    sources = np.full(50, POLICY)
    sources[35:] = HUMAN
    labelled = flags(values, sources)
    assert labelled[29:35].all() and not labelled[35:].any()


def test_normalisation_makes_labels_independent_of_the_value_scale():
    values = np.r_[rising(20, 0, 0.5), np.full(30, 0.5), rising(20, 0.5, 1.0)]
    assert (flags(values) == flags(0.2 + 0.5 * values)).all()


def test_thresholds_come_from_yaml_and_bad_keys_are_errors(tmp_path):
    shipped = load_mining_config()
    assert installed_config().name == "label_mining.yaml"
    assert shipped == MiningConfig()  # the YAML documents the defaults
    custom = tmp_path / "m.yaml"
    custom.write_text("label_mining:\n  window: 8\n  plateau_range: 0.1\n")
    assert load_mining_config(custom) == MiningConfig(window=8, plateau_range=0.1)
    custom.write_text("label_mining:\n  windw: 8\n")
    with pytest.raises(ValueError, match="unknown label_mining keys \\['windw'\\]"):
        load_mining_config(custom)
    with pytest.raises(ValueError, match="window >= 2"):
        MiningConfig(window=1)


def test_agreement_is_tick_precision_and_recall():
    agree = Agreement()
    agree.add([1, 1, 0, 0], [1, 0, 1, 1])
    assert agree.precision == 0.5 and agree.recall == pytest.approx(1 / 3)
