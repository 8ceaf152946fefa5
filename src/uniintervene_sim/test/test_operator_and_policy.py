"""The simulated operator's takeover/release logic and the base policy's failure modes."""

from types import SimpleNamespace

import numpy as np
import pytest

from uniintervene_sim.base_policy import FAULT_MODES, BasePolicy, BasePolicyConfig
from uniintervene_sim.cell import SimCell
from uniintervene_sim.operator import OperatorConfig, SimulatedOperator
from uniintervene_sim.rollout import HUMAN, run_episode
from uniintervene_sim.scene import Pose, Scene, TaskStatus

SCENE = Scene(
    time=0.0,
    tcp=Pose(np.zeros(3), np.array([0, 0, 0, 1.0])),
    gripper_command=0.0,
    finger_opening=0.09,
    tool_force=0.0,
)
EXPERT_ACTION = np.array([0.1, 0, 0, 0, 0, 0, 1.0])
# A task whose expert always answers EXPERT_ACTION and on which every fault fits.
FIXED_EXPERT = SimpleNamespace(
    expert=lambda scene, offset=None: EXPERT_ACTION, fault_modes=FAULT_MODES
)
CONFIG = OperatorConfig(
    patience=2.0,
    reaction_delay=0.5,
    min_correction=1.0,
    max_correction=5.0,
    progress_epsilon=0.02,
    restore_margin=0.1,
)


def drive(operator, progress_at, seconds, warning_at=lambda t: False):
    """Step the operator at 10 Hz; return the times at which it was engaged."""
    engaged = []
    for tick in range(round(seconds * 10)):
        t = tick / 10
        status = TaskStatus(progress=progress_at(t), warning=warning_at(t))
        decision = operator.step(t, status, SCENE, lambda scene: EXPERT_ACTION)
        if decision.engaged:
            assert np.array_equal(decision.action, EXPERT_ACTION)
            engaged.append(round(t, 1))
    return engaged


def test_no_takeover_while_progress_rises():
    assert drive(SimulatedOperator(CONFIG), lambda t: min(t / 10, 1.0), 10) == []


def test_takeover_after_patience_plus_reaction_delay():
    operator = SimulatedOperator(CONFIG)
    engaged = drive(operator, lambda t: 0.3, 4.0)  # stuck from the start
    # Last improvement at t=0; noticed once 2.0 s passed (t=2.1); engaged 0.5 s later.
    assert engaged[0] == pytest.approx(2.6)
    assert operator.reason == "no_progress" and operator.takeovers == 1


def test_warning_triggers_a_takeover_without_waiting_for_patience():
    engaged = drive(
        SimulatedOperator(CONFIG), lambda t: min(t / 10, 1), 3.0, warning_at=lambda t: t >= 1.0
    )
    assert engaged[0] == pytest.approx(1.5)


def test_no_takeover_when_the_robot_recovers_during_the_reaction_delay():
    progress = lambda t: 0.3 if t < 2.3 else 0.3 + (t - 2.3)  # noqa: E731
    assert drive(SimulatedOperator(CONFIG), progress, 4.0) == []


def test_release_once_progress_is_restored_after_min_correction():
    # Stuck until the operator drives (from 2.6 s), then progress climbs 0.1 per second.
    progress = lambda t: 0.3 if t < 2.6 else 0.3 + 0.1 * (t - 2.6)  # noqa: E731
    engaged = drive(SimulatedOperator(CONFIG), progress, 6.0)
    assert engaged[0] == pytest.approx(2.6) and engaged[-1] == pytest.approx(3.5)


def test_release_after_max_correction_even_without_progress():
    engaged = drive(SimulatedOperator(CONFIG), lambda t: 0.3, 9.0)
    assert engaged[0] == pytest.approx(2.6)
    assert engaged.index(7.5) + 1 == len([t for t in engaged if t <= 7.6])
    assert 7.6 not in engaged  # let go after 5 s


def test_policy_without_failures_is_the_expert_plus_noise():
    policy = BasePolicy(BasePolicyConfig(failure_rate=0.0, action_noise=0.0))
    policy.reset(3)
    assert np.array_equal(policy.act(SCENE, FIXED_EXPERT), EXPERT_ACTION)
    assert policy.fault_onset is None


def at(time, position=(0.0, 0.0, 0.0), gripper=0.0):
    return Scene(**{**SCENE.__dict__, "time": time, "gripper_command": gripper,
                    "tcp": Pose(np.array(position, float), SCENE.tcp.quaternion)})  # fmt: skip


def test_a_fault_belongs_to_a_region_only_leaving_it_cures_and_coming_back_restarts_it():
    config = BasePolicyConfig(failure_rate=1.0, refault_probability=0.0, modes=("stall",))
    policy = BasePolicy(config)
    policy.reset(7)
    onset = policy.fault_onset
    assert config.onset_range[0] <= onset <= config.onset_range[1]
    action = policy.act(at(onset + 0.01), FIXED_EXPERT)
    assert policy.fault == "stall" and np.linalg.norm(action[:6]) < 0.1
    # a 1-tick override moves the arm 2.5 cm at most: still in the 3 cm region, still stalled
    policy.act(at(onset + 0.1, (0.025, 0.0, 0.0)), FIXED_EXPERT)
    assert policy.fault == "stall"
    # moved out of the region (by anyone): cured, the expert again
    action = policy.act(at(onset + 0.5, (0.06, 0.0, 0.0)), FIXED_EXPERT)
    assert policy.fault == "" and np.allclose(action, EXPERT_ACTION, atol=0.05)
    # back into the region's core with the gripper as it was: the same behaviour
    policy.act(at(onset + 1.0, (0.01, 0.0, 0.0)), FIXED_EXPERT)
    assert policy.fault == "stall"
    policy.act(at(onset + 1.5, (0.06, 0.0, 0.0)), FIXED_EXPERT)
    # ... but not holding something it did not hold there
    policy.act(at(onset + 2.0, (0.01, 0.0, 0.0), gripper=1.0), FIXED_EXPERT)
    assert policy.fault == ""
    # and closing the gripper on it (someone else's command) is another state: cured
    policy.act(at(onset + 2.5, (0.005, 0.0, 0.0)), FIXED_EXPERT)
    assert policy.fault == "stall"
    policy.act(at(onset + 2.6, (0.005, 0.0, 0.0), gripper=1.0), FIXED_EXPERT)
    assert policy.fault == ""


@pytest.mark.parametrize("mode", ["misaligned", "jam", "drift", "slip"])
def test_a_faulty_policy_never_leaves_its_region_by_itself(mode):
    config = BasePolicyConfig(failure_rate=1.0, onset_range=(0.0, 0.0), modes=(mode,))
    policy = BasePolicy(config)
    policy.reset(3)
    position = np.zeros(3)
    for tick in range(100):  # integrate its own commands for 10 s
        action = policy.act(at(tick / 10, position), FIXED_EXPERT)
        position = position + 0.1 * action[:3]
        assert policy.fault == mode, tick
    assert np.linalg.norm(position) < config.region_radius


def test_slip_is_drawn_only_where_the_task_lists_it_and_lets_go():
    config = BasePolicyConfig(failure_rate=1.0, refault_probability=0.0, modes=("slip",))
    late = Scene(**{**SCENE.__dict__, "time": 10.0})
    policy = BasePolicy(config)
    policy.reset(7)
    action = policy.act(late, FIXED_EXPERT)
    assert policy.fault == "slip" and action[6] == 0.0 and np.linalg.norm(action[:3]) > 0.03
    rigid = SimpleNamespace(expert=FIXED_EXPERT.expert, fault_modes=("stall", "drift"))
    policy.reset(7)
    assert np.allclose(policy.act(late, rigid), EXPERT_ACTION, atol=0.05)
    assert policy.fault == "" and policy.fault_onset is None


def test_policy_is_deterministic_for_a_seed_and_validates_its_config():
    a, b = BasePolicy(BasePolicyConfig(failure_rate=0.7)), BasePolicy(BasePolicyConfig(0.7))
    onsets = []
    for seed in range(20):
        a.reset(seed)
        b.reset(seed)
        assert a.fault_onset == b.fault_onset
        onsets.append(a.fault_onset)
    assert 8 <= sum(o is not None for o in onsets) <= 19
    with pytest.raises(ValueError, match="failure_rate"):
        BasePolicyConfig(failure_rate=1.5)
    with pytest.raises(ValueError, match="modes"):
        BasePolicyConfig(modes=("dance",))


def test_operator_rescues_a_faulty_policy_in_the_loop():
    cell = SimCell(render=False)
    config = BasePolicyConfig(failure_rate=1.0, refault_probability=0.0, modes=("stall",))
    unassisted = run_episode(cell, "tube_insertion", 4, BasePolicy(config), None)
    assisted = run_episode(cell, "tube_insertion", 4, BasePolicy(config), SimulatedOperator())
    assert not unassisted.success
    assert assisted.success and assisted.takeovers >= 1
    assert 0.0 < assisted.human_intervention_rate < 0.5
    assert assisted.sources.count(HUMAN) == round(assisted.human_intervention_rate * assisted.ticks)
