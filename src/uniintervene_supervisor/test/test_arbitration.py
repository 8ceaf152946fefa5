"""The arbitration state machine on scripted tick sequences."""

from uniintervene_supervisor.arbitration import Arbiter, ArbiterConfig, Mode, TickInputs


def run(arbiter, script):
    return [arbiter.step(inputs) for inputs in script]


def test_priorities_human_over_supervision_hold_over_recovery_over_policy():
    arbiter = Arbiter()
    arbiter.recovery_started()
    assert arbiter.step(TickInputs()).mode == Mode.RECOVERY
    assert arbiter.step(TickInputs(supervision_fault="operator hold")).mode == Mode.HOLD
    arbiter = Arbiter()
    decision = arbiter.step(TickInputs(human_engaged=True, supervision_fault="operator hold"))
    assert decision.mode == Mode.HUMAN
    decision = arbiter.step(TickInputs(human_engaged=True, robot_fault="joint states stale"))
    assert decision.mode == Mode.HOLD and decision.reason == "joint states stale"
    assert arbiter.step(TickInputs()).mode == Mode.POLICY


def test_trigger_starts_recovery_only_in_policy_with_autonomy_fresh_critic_and_cooldown():
    arbiter = Arbiter(ArbiterConfig(cooldown_ticks=5))
    decision = arbiter.step(TickInputs(risk_trigger=True, risk_reason="stagnation"))
    assert decision.start_recovery == "stagnation" and decision.events == ["trigger"]
    assert decision.mode == Mode.POLICY  # the recovery drives from the next tick
    assert arbiter.step(TickInputs(risk_trigger=True)).start_recovery == ""  # requested already
    arbiter.recovery_started()
    arbiter.recovery_ended()
    ticks = run(arbiter, [TickInputs(risk_trigger=True)] * 7)
    assert [bool(d.start_recovery) for d in ticks] == [False] * 5 + [True, False]  # 5 quiet
    baseline = Arbiter(ArbiterConfig(autonomous_intervention=False))
    assert not any(d.start_recovery for d in run(baseline, [TickInputs(risk_trigger=True)] * 30))
    stale = Arbiter()
    assert not stale.step(TickInputs(risk_trigger=True, critic_fresh=False)).start_recovery
    human = Arbiter()
    assert not human.step(TickInputs(risk_trigger=True, human_engaged=True)).start_recovery


def test_human_takeover_cancels_an_active_recovery_at_once():
    arbiter = Arbiter()
    arbiter.step(TickInputs(risk_trigger=True))
    arbiter.recovery_started()
    assert arbiter.step(TickInputs()).mode == Mode.RECOVERY
    decision = arbiter.step(TickInputs(human_engaged=True))
    assert decision.mode == Mode.HUMAN and decision.cancel_recovery
    assert decision.events == ["human_takeover"]
    assert arbiter.step(TickInputs(human_engaged=True)).cancel_recovery is False
    release = arbiter.step(TickInputs())
    assert release.mode == Mode.POLICY and release.events == ["human_release"]


def test_faults_cancel_recovery_and_every_tick_is_counted_once():
    arbiter = Arbiter(ArbiterConfig(cooldown_ticks=0))
    script = (
        [TickInputs()] * 5
        + [TickInputs(risk_trigger=True)]
        + [TickInputs()] * 3
        + [TickInputs(supervision_fault="recovery server lost")]
        + [TickInputs()] * 2
        + [TickInputs(human_engaged=True)] * 4
    )
    modes = []
    for i, inputs in enumerate(script):
        if i == 6:
            arbiter.recovery_started()
        decision = arbiter.step(inputs)
        modes.append(decision.mode)
        if i == 9:
            assert decision.cancel_recovery
    assert modes[6:9] == [Mode.RECOVERY] * 3 and modes[9] == Mode.HOLD
    assert modes[10:12] == [Mode.POLICY] * 2
    assert sum(arbiter.counts.values()) == arbiter.tick == len(script)
    assert arbiter.counts[Mode.HUMAN] == 4 and arbiter.triggers == 1
    assert arbiter.human_intervention_rate == 4 / len(script)


def test_no_trigger_during_the_episode_warmup():
    arbiter = Arbiter(ArbiterConfig(warmup_ticks=3))
    fired = [bool(arbiter.step(TickInputs(risk_trigger=True)).start_recovery) for _ in range(5)]
    assert fired == [False, False, False, True, False]


def test_status_label_names_the_mode_and_prints_unknown_numbers_as_dashes():
    from uniintervene_supervisor.status import status_label

    text, colour = status_label(Mode.RECOVERY, 0.6249, float("nan"))
    assert text == "RECOVERY  value 0.62  risk -"
    assert colour == (0.2, 0.5, 1.0, 1.0)
    assert status_label(Mode.HOLD, None, 0.5)[0] == "HOLD  value -  risk 0.50"
