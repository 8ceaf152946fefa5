"""`uniintervene hilrl`'s loop on tiny models (a short run: the wiring, the buffers and the
summary are checked here; whether a policy learns is test_sac's and docs/learner.md's)."""

import json
from copy import deepcopy
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from uniintervene_experiments.hilrl_config import EVAL_SEED_OFFSET, HilRLConfig
from uniintervene_experiments.hilrl_loop import HilRLRun
from uniintervene_learner.action_space import task_action_space
from uniintervene_learner.buffer import TransitionBuffer
from uniintervene_learner.checkpoint import load_checkpoint
from uniintervene_learner.sac import SACConfig
from uniintervene_recovery.memory import Segment
from uniintervene_sim.cell import SimCell
from uniintervene_sim.model import CameraConfig
from uniintervene_sim.operator import OperatorConfig, SimulatedOperator


def short_run(out, tiny_models, steps=60, cell=None, system="uniintervene", rates=None,
              max_ticks=30, operator=None, observation="latent"):  # fmt: skip
    config = HilRLConfig(
        task="pick_eggplant",
        system=system,
        control_rates=rates,
        steps=steps,
        demos=1,
        warmup_steps=20,
        eval_every=10_000,  # only the initial and the final evaluation
        eval_episodes=1,
        final_eval_episodes=1,
        max_episode_ticks=max_ticks,
        observation=observation,
        sac=SACConfig(hidden=(32, 32), batch_size=16),
        action=task_action_space("pick_eggplant"),
    )
    cell = cell or SimCell("pick_eggplant", camera=CameraConfig(width=32, height=32))
    run = HilRLRun(
        config,
        cell,
        operator or SimulatedOperator(),
        tiny_models.bundle,
        out,
        tiny_models.report,
        tiny_models.memory,
        tiny_models.recovery_policy,
    )
    # untrained latents all lie near the target: only the value may end a recovery
    run.settings.recovery = replace(run.settings.recovery, distance_threshold=0.0)
    return run, run.run()


def test_a_short_run_fills_both_buffers_and_writes_the_summary(tmp_path, tiny_models):
    run, summary = short_run(tmp_path, tiny_models)
    config = run.config
    assert summary["env_steps"] >= 60 and run.agent.updates >= summary["env_steps"] - 20
    assert set(summary) >= {
        "task", "system", "seed", "env_steps", "wall_seconds", "initial_success_rate",
        "final_success_rate", "human_intervention_rate",
        "autonomous_interventions_per_episode", "curve",
    }  # fmt: skip
    steps = [p["env_step"] for p in summary["curve"]]
    assert steps == [0, summary["env_steps"]]
    assert summary["curve"][-1]["success_rate"] == summary["final_success_rate"]
    assert json.loads((tmp_path / "summary.json").read_text())["env_steps"] == summary["env_steps"]
    assert (tmp_path / "learning_curve.png").stat().st_size > 1000
    # the demonstration went to the prior buffer; the policy's own ticks to the online one
    dim = 16 + 7
    prior = TransitionBuffer(tmp_path / "prior", dim, 5, 200_000)
    online = TransitionBuffer(tmp_path / "online", dim, 5, 200_000)
    assert len(prior) > 0 and len(online) > 0
    assert len(online) <= summary["env_steps"]
    actions = np.asarray(online.arrays["action"][: len(online)])
    assert np.all(np.abs(actions) <= 1.0)  # executed commands mapped into the policy space
    agent, _ = load_checkpoint(tmp_path / "learner.safetensors", device="cpu")
    assert agent.updates == run.agent.updates
    assert EVAL_SEED_OFFSET > 100_000 * (config.seed + 1)  # evaluation never sees training


def test_the_same_seed_gives_the_same_run(tmp_path, tiny_models):
    _, first = short_run(tmp_path / "a", tiny_models, steps=40)
    _, second = short_run(tmp_path / "b", tiny_models, steps=40)
    for summary in (first, second):
        summary.pop("wall_seconds"), summary.pop("env_steps_per_second")
    assert first == second
    a = TransitionBuffer(tmp_path / "a" / "online", 16 + 7, 5, 200_000)
    b = TransitionBuffer(tmp_path / "b" / "online", 16 + 7, 5, 200_000)
    assert len(a) == len(b) > 0
    assert np.array_equal(a.arrays["action"][: len(a)], b.arrays["action"][: len(b)])


@pytest.mark.parametrize("observation", ["state", "latent_state"])
def test_the_learner_may_observe_the_privileged_state_as_a_ceiling(
    tmp_path, tiny_models, observation
):
    run, summary = short_run(tmp_path, tiny_models, steps=30, observation=observation)
    state_dim = len(run.cell.scene().vector())  # 3 objects of pick_eggplant: 48
    dim = state_dim + (16 if observation == "latent_state" else 0) + 7
    online = TransitionBuffer(tmp_path / "online", dim, 5, 200_000)
    assert state_dim == 48 and len(online) > 0
    assert summary["observation"] == observation and summary["threads"] >= 1
    assert summary["env_steps_per_second"] > 0
    # the privileged part is the scene standardised: undone, the tool is above the base
    observations = np.asarray(online.arrays["obs"][: len(online)])
    state = observations[:, dim - 7 - state_dim : dim - 7]
    assert np.abs(state).max() <= 10.0 and np.all(run.features.scale >= 0.05)
    tool_z = state[:, 2] * run.features.scale[2] + run.features.mean[2]  # dm
    assert np.all((tool_z > 0.0) & (tool_z < 6.0))
    assert np.ptp(tool_z) > 1e-2  # it moved during training


def test_hil_serl_on_the_state_runs_the_same_without_camera_images(tmp_path, tiny_models):
    """hilrl renders nothing there (nothing reads the images): the run must not change."""
    summaries = []
    for render in (True, False):
        cell = SimCell("pick_eggplant", camera=CameraConfig(width=32, height=32), render=render)
        _, summary = short_run(
            tmp_path / str(render), tiny_models, steps=40, cell=cell, system="hil_serl",
            observation="state",
        )  # fmt: skip
        summaries.append({k: v for k, v in summary.items() if "second" not in k})
    assert summaries[0] == summaries[1]


def test_command_line_overrides_name_a_field_and_a_number():
    from uniintervene_experiments.hilrl import override_fields

    sac = override_fields(SACConfig(), ["discount=0.99", "num_critics=10"], "--sac-settings")
    assert (sac.discount, sac.num_critics) == (0.99, 10) and isinstance(sac.num_critics, int)
    with pytest.raises(ValueError, match="--sac-settings: 'gamma=0.9' is not KEY=VALUE"):
        override_fields(SACConfig(), ["gamma=0.9"], "--sac-settings")
    with pytest.raises(ValueError, match="'tau=fast': 'fast' is not a number"):
        override_fields(SACConfig(), ["tau=fast"], "--sac-settings")


def test_an_unknown_observation_is_refused(tmp_path, tiny_models):
    with pytest.raises(ValueError, match="observation must be one of"):
        short_run(tmp_path, tiny_models, observation="pixels")


def test_an_unstable_simulator_step_ends_the_episode_and_reaches_no_buffer(tmp_path, tiny_models):
    cell = SimCell("pick_eggplant", camera=CameraConfig(width=32, height=32))
    step, calls = cell.step, []

    def diverging(command):
        calls.append(1)
        if len(calls) == 70:  # past the demo and the first evaluation (30 ticks each)
            raise cell.Unstable("Nan, Inf or huge value in QACC")
        return step(command)

    cell.step = diverging
    run, summary = short_run(tmp_path, tiny_models, steps=60, cell=cell)
    assert summary["unstable_steps"] == 1 and summary["env_steps"] >= 60
    for buffer in (run.prior, run.online):
        rows = len(buffer)
        assert all(np.all(np.isfinite(buffer.arrays[k][:rows])) for k in ("obs", "next_obs"))


def test_recovery_ticks_feed_the_prior_buffer_unless_the_variant_keeps_them_out(
    tmp_path, tiny_models
):
    _, with_data = short_run(tmp_path / "a", tiny_models)
    _, without = short_run(tmp_path / "b", tiny_models, system="uniintervene_no_recovery_data")
    for summary in (with_data, without):
        assert summary["recovery_ticks"] > 0 and summary["autonomous_interventions"] > 0
    stored = with_data["prior_transitions"] + with_data["online_transitions"]
    assert stored == with_data["demo_ticks"] + with_data["training_ticks"]
    stored = without["prior_transitions"] + without["online_transitions"]
    assert stored == without["demo_ticks"] + without["training_ticks"] - without["recovery_ticks"]
    assert without["online_transitions"] == without["policy_ticks"]


def test_uniintervene_measures_the_rates_the_controls_run_at(tmp_path, tiny_models):
    _, reference = short_run(tmp_path / "u", tiny_models)
    rates = reference["control_rates"]
    assert rates["policy_ticks_per_trigger"] == pytest.approx(
        reference["policy_ticks"] / reference["autonomous_interventions"]
    )
    with pytest.raises(ValueError, match="needs UniIntervene's rates"):
        short_run(tmp_path / "z0", tiny_models, system="zero_recovery")
    _, zero = short_run(tmp_path / "z", tiny_models, system="zero_recovery", rates=rates)
    assert zero["autonomous_interventions"] > 0
    # every zero-twist recovery lasts UniIntervene's mean length
    length = max(1, round(rates["ticks_per_recovery"]))
    assert zero["recovery_ticks"] <= length * zero["autonomous_interventions"]
    _, periodic = short_run(tmp_path / "p", tiny_models, system="periodic_trigger", rates=rates)
    assert periodic["autonomous_interventions"] > 0


def test_a_run_remembers_its_corrections_and_trains_the_recovery_on_them(tmp_path, tiny_models):
    memory = deepcopy(tiny_models.memory)  # plus one correction to learn from at once
    ticks = np.zeros((4, 16), np.float32)
    still = np.zeros((4, 7), np.float32)
    memory.add(np.ones(16), 1.0, "pick_eggplant", "seed", 0.0, Segment(ticks, still, still))
    models = SimpleNamespace(**{**vars(tiny_models), "memory": memory})
    impatient = SimulatedOperator(OperatorConfig(patience=1.0, reaction_delay=0.2))
    run, summary = short_run(tmp_path, models, steps=160, max_ticks=80, operator=impatient)
    assert summary["corrections"] > 0 and summary["human_ticks"] > 0
    grown = len(memory) + summary["corrections_remembered"]
    assert summary["memory_entries"] == len(run.memory) >= grown
    assert len(memory) == len(tiny_models.memory) + 1  # the run grew its own copy
    assert summary["recovery_updates"] > 0 and np.isfinite(summary["recovery_loss"])
    learned = run.recovery_policy.state_dict()
    before = tiny_models.recovery_policy.state_dict()
    assert any(not torch.allclose(learned[k], v) for k, v in before.items())
    assert (tmp_path / "recovery" / "memory.safetensors").exists()
    assert (tmp_path / "recovery" / "recovery_policy.safetensors").exists()
    timing = json.loads((tmp_path / "trigger_timing.json").read_text())
    assert timing["summary"]["triggers"] == len(timing["trigger_leads_s"])
    assert timing["summary"]["takeovers"] == len(timing["takeover_leads_s"]) > 0
    assert (tmp_path / "trigger_lead.png").stat().st_size > 1000
    assert sum(summary["recovery_outcomes"].values()) >= summary["autonomous_interventions"]


@pytest.mark.parametrize("system", ["oracle_recovery", "oracle_trigger", "oracle"])
def test_the_oracle_systems_run_and_recover(tmp_path, tiny_models, system):
    run, summary = short_run(tmp_path, tiny_models, system=system)
    assert summary["autonomous_interventions"] > 0 and summary["recovery_ticks"] > 0
    if system == "oracle_recovery":  # the expert drives: no recovery policy to train
        assert run.recovery_trainer is None and summary["recovery_updates"] == 0
