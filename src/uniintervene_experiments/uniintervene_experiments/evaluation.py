"""The paper's experiment in-process: the supervisor core, critic runtime and recovery
controller the ROS graph runs, driven by the Gymnasium-speed simulated cell (no ROS).

Per tick, as in the graph: every source proposes a command (the base policy, the
simulated operator, an active recovery), the critic runtime scores the camera frame,
`SupervisorCore.step` decides (HUMAN > HOLD > RECOVERY > POLICY, safety filter, episode
end), and the cell executes the decision. Systems differ only in what may trigger:

- hil_serl: nothing (human only);
- failure_prediction: the critic's imminent-failure classifier;
- uniintervene: the temporal value-risk trigger, memory target, recovery policy;
- ablations: w/o future prediction (risk on V(z_t)), w/o value prediction (latent
  progress), w/o temporal critic (single-step threshold), w/o memory goal (zero goal);
- controls (controls.py): zero_recovery (the trigger, a still arm), periodic_trigger
  (recoveries at UniIntervene's rate, no critic).
"""

from dataclasses import dataclass, field

import numpy as np

from uniintervene_critic.labels import score_triggers, segments, unproductive_flags
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_experiments.controls import ControlRates
from uniintervene_experiments.supervision import (  # noqa: F401  (re-exported for callers)
    GraphSettings,
    InProcessRecovery,
    Supervision,
    node_parameters,
    periodic_trigger,
    tick_inputs,
)
from uniintervene_supervisor.arbitration import Mode

SYSTEMS = ("hil_serl", "failure_prediction", "uniintervene")
# UniIntervene with each temporal value-risk trigger, whichever the critic bundle holds
TRIGGER_VARIANTS = ("uniintervene_learned_risk", "uniintervene_rule_risk")
ABLATIONS = (
    "without_future_prediction",
    "without_value_prediction",
    "without_temporal_critic",
    "without_memory_goal",
)


@dataclass
class EpisodeOutcome:
    task: str
    seed: int
    success: bool
    ticks: int
    human_ticks: int
    recovery_ticks: int
    autonomous_interventions: int
    trigger_ticks: list = field(default_factory=list)
    unproductive: list = field(default_factory=list)
    values: list = field(default_factory=list)
    risks: list = field(default_factory=list)
    modes: list = field(default_factory=list)

    @property
    def human_intervention_rate(self) -> float:
        return self.human_ticks / self.ticks if self.ticks else 0.0


TRIGGER_MODE = {  # the critic runtime's trigger for each system (None: no critic trigger)
    "hil_serl": "value_risk",  # values are still estimated (plots), autonomy is off
    "failure_prediction": "failure_prediction",
    "uniintervene": "value_risk",
    "without_memory_goal": "value_risk",
    "without_future_prediction": "without_future_prediction",
    "without_value_prediction": "without_value_prediction",
    "without_temporal_critic": "without_temporal_critic",
    "zero_recovery": "value_risk",
    "periodic_trigger": "value_risk",  # its latents and values; its trigger is ignored
    "uniintervene_learned_risk": "learned_value_risk",
    "uniintervene_rule_risk": "rule_value_risk",
}


def run_episode(
    cell,
    task: str,
    seed: int,
    policy,
    operator,
    system: str,
    bundle=None,
    report=None,
    memory=None,
    recovery_policy=None,
    settings: GraphSettings | None = None,
    trace: list | None = None,
    rates: ControlRates | None = None,
):
    """One supervised episode of `system` on the in-process cell. `trace`, if given,
    receives per tick (SupervisorInputs, TickDecision, recovery ended before the tick,
    recovery started after it), the last entry being the decision that ended it."""
    settings = settings or GraphSettings.load()
    observation = cell.reset(task, seed)
    policy.reset(seed)
    operator.reset()
    supervision = Supervision(
        system, settings, memory, recovery_policy, task, seed,
        autonomous=system != "hil_serl", max_ticks=round(cell.task.episode_seconds / 0.1),
        rates=rates,
    )  # fmt: skip
    runtime = None
    if bundle is not None:
        triggers = (report or {}).get("triggers")
        runtime = CriticRuntime(bundle, TRIGGER_MODE[system], triggers)
    executed = np.zeros(7, np.float32)
    out = EpisodeOutcome(task, seed, False, 0, 0, 0, 0)
    progress, warnings, sources = [], [], []
    while True:
        scene, status = cell.scene(), cell.status()
        proprio = np.r_[observation["joint_pos"], observation["gripper"]].astype(np.float32)
        step = runtime.step_observation(observation, proprio, executed) if runtime else None
        human = operator.step(cell.time, status, scene, cell.task.expert)
        commands = {"policy": (policy.act(scene, cell.task), 0.0)}
        if human.engaged:
            commands["human"] = (human.action, 0.0)
        supervision.propose(commands, step, proprio)
        ended = supervision.recovery.ended
        inputs, decision, started = supervision.decide(
            observation, status, commands, human.engaged, step
        )
        if trace is not None:
            trace.append((inputs, decision, ended, started))
        if not decision.ran:
            break
        if decision.start_recovery:
            out.trigger_ticks.append(out.ticks)
        out.autonomous_interventions += started
        mode = decision.mode
        executed = np.nan_to_num(decision.command).astype(np.float32)
        observation = cell.step(executed)
        out.ticks += 1
        out.human_ticks += mode == Mode.HUMAN
        out.recovery_ticks += mode == Mode.RECOVERY
        out.values.append(step.value if step else float("nan"))
        out.risks.append(step.risk.risk if step else float("nan"))
        out.modes.append(int(mode))
        progress.append(status.progress)
        warnings.append(status.warning)
        sources.append(int(mode))  # Mode values are the recorded source codes
    out.success = decision.outcome == "success"
    out.unproductive = segments(unproductive_flags(progress, warnings, sources))
    return out


def control_rates(outcomes) -> ControlRates:
    """UniIntervene's trigger rate and recovery length over its episodes of a task."""
    return ControlRates.measure(
        policy_ticks=sum(o.modes.count(int(Mode.POLICY)) for o in outcomes),
        recovery_ticks=sum(o.recovery_ticks for o in outcomes),
        triggers=sum(o.autonomous_interventions for o in outcomes),
    )


def summarise(outcomes) -> dict:
    """Success rate, human intervention rate, autonomous interventions, trigger F1."""
    score = None
    for o in outcomes:
        s = score_triggers(o.trigger_ticks, o.unproductive)
        score = s if score is None else score.add(s)
    return {
        "episodes": len(outcomes),
        "success_rate": float(np.mean([o.success for o in outcomes])),
        "human_intervention_rate": float(np.mean([o.human_intervention_rate for o in outcomes])),
        "autonomous_interventions": float(np.mean([o.autonomous_interventions for o in outcomes])),
        "trigger_f1": score.f1 if score and score.true_positives + score.false_positives else None,
    }
