"""The paper's experiment in-process: the same arbitration, safety filter, critic and
recovery as the ROS graph, driven by the Gymnasium-speed simulated cell (no ROS).

Per tick: the critic scores the camera frame, the simulated operator decides whether to
take over, the arbiter picks the source (HUMAN > HOLD > RECOVERY > POLICY), the safety
filter clamps it, and the cell steps. Systems differ only in what may trigger:

- hil_serl: nothing (human only);
- failure_prediction: the critic's imminent-failure classifier;
- uniintervene: the temporal value-risk trigger, memory target, recovery policy;
- ablations: w/o future prediction (risk on V(z_t)), w/o value prediction (latent
  progress), w/o temporal critic (single-step threshold), w/o memory goal (zero goal).
"""

import pathlib
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np
import yaml
from ament_index_python.packages import get_package_share_directory

from uniintervene_critic.failure import FailureTrigger, FailureTriggerConfig
from uniintervene_critic.labels import score_triggers, segments, unproductive_flags
from uniintervene_critic.risk import RiskConfig, SingleStepRisk, TemporalRiskCritic, ThresholdConfig
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_recovery.controller import RecoveryConfig, start_recovery
from uniintervene_supervisor.arbitration import Arbiter, Mode, TickInputs
from uniintervene_supervisor.nodes.params import PARAMETERS, arbiter_config, safety_config
from uniintervene_supervisor.safety import SafetyFilter

SYSTEMS = ("hil_serl", "failure_prediction", "uniintervene")
ABLATIONS = (
    "without_future_prediction",
    "without_value_prediction",
    "without_temporal_critic",
    "without_memory_goal",
)


def node_parameters(package: str, node: str) -> dict:
    """A node's installed YAML parameters (config/<file>.yaml of its package)."""
    share = pathlib.Path(get_package_share_directory(package)) / "config"
    for path in sorted(share.glob("*.yaml")):
        sections = yaml.safe_load(path.read_text()) or {}
        if node in sections:
            return sections[node]["ros__parameters"]
    raise FileNotFoundError(f"no parameters of {node} in {share}")


@dataclass
class GraphSettings:
    """What the graph's supervisor and recovery decide with, read from their YAML files, so
    the harness and `ros2 launch` use the same numbers."""

    supervisor: SimpleNamespace
    recovery: RecoveryConfig

    @classmethod
    def load(cls) -> "GraphSettings":
        values = {name: default for name, (default, *_) in PARAMETERS.items()}
        values.update(node_parameters("uniintervene_supervisor", "supervisor_node"))
        recovery = node_parameters("uniintervene_recovery", "recovery_node")
        return cls(
            SimpleNamespace(**values),
            RecoveryConfig(
                value_margin=recovery["value_margin"],
                distance_threshold=recovery["distance_threshold"],
                max_ticks=values["recovery_max_ticks"],  # the supervisor's goal sets it
            ),
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


def make_trigger(system: str, report: dict, bundle):
    """(trigger object, which signal it watches) for a system or ablation."""
    triggers = report["triggers"]
    if system in ("uniintervene", "without_memory_goal"):
        return TemporalRiskCritic(RiskConfig(**triggers["uniintervene"]["risk"])), "q"
    if system == "without_future_prediction":
        risk = triggers["without_future_prediction"]["risk"]
        return TemporalRiskCritic(RiskConfig(**risk)), "state_value"
    if system == "without_value_prediction":
        risk = triggers["without_value_prediction"]["risk"]
        return TemporalRiskCritic(RiskConfig(**risk)), "latent_progress"
    if system == "without_temporal_critic":
        return SingleStepRisk(
            ThresholdConfig(**triggers["without_temporal_critic"]["threshold"])
        ), "q"
    if system == "failure_prediction":
        return FailureTrigger(
            FailureTriggerConfig(**triggers["failure_prediction"]["trigger"])
        ), "failure"
    return None, ""


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
    progress_spread: float = 1.0,
    settings: GraphSettings | None = None,
):
    """One supervised episode of `system` on the in-process cell."""
    settings = settings or GraphSettings.load()
    observation = cell.reset(task, seed)
    policy.reset(seed)
    operator.reset()
    arbiter = Arbiter(arbiter_config(settings.supervisor, system != "hil_serl"))
    safety = SafetyFilter(safety_config(settings.supervisor), settings.supervisor.control_period)
    trigger, signal = make_trigger(system, report, bundle) if bundle else (None, "")
    runtime = CriticRuntime(bundle) if bundle is not None else None
    recovery_config = replace(settings.recovery, use_memory_goal=system != "without_memory_goal")
    recovery = None
    executed = np.zeros(7, np.float32)
    first_latent = None
    out = EpisodeOutcome(task, seed, False, 0, 0, 0, 0)
    progress, warnings, sources = [], [], []
    for _ in range(round(cell.task.episode_seconds / 0.1)):
        scene, status = cell.scene(), cell.status()
        proprio = np.r_[observation["joint_pos"], observation["gripper"]].astype(np.float32)
        fired, value, risk = False, float("nan"), float("nan")
        if runtime is not None:
            step = runtime.step(observation["image"], proprio, executed)
            first_latent = step.latent if first_latent is None else first_latent
            value = step.value
            signals = {
                "q": step.value,
                "state_value": step.state_value,
                "latent_progress": float(np.linalg.norm(step.latent - first_latent))
                / progress_spread,
            }
            if signal == "failure":
                import torch

                with torch.no_grad():
                    signals["failure"] = float(
                        bundle.failure(
                            torch.as_tensor(step.latent)[None], torch.as_tensor(proprio)[None]
                        ).item()
                    )
            if trigger is not None:
                output = trigger.update(signals[signal])
                fired, risk = output.trigger, output.risk
        decision_human = operator.step(cell.time, status, scene, cell.task.expert)
        decision = arbiter.step(
            TickInputs(human_engaged=decision_human.engaged, risk_trigger=fired, risk_reason="risk")
        )
        if fired and decision.start_recovery:
            out.trigger_ticks.append(out.ticks)
        if decision.cancel_recovery:
            recovery = None
        if decision.start_recovery:
            recovery, _ = start_recovery(
                memory, recovery_policy, recovery_config, step.latent, step.state_value, ""
            )
            if recovery is None:
                arbiter.recovery_ended()
            else:
                arbiter.recovery_started()
                out.autonomous_interventions += 1
        mode = decision.mode
        if mode == Mode.HUMAN:
            action = decision_human.action
        elif mode == Mode.RECOVERY and recovery is not None:
            tick = recovery.step(step.latent, step.state_value, proprio)
            if tick.done:
                arbiter.recovery_ended()
                recovery = None
                action = policy.act(scene, cell.task.expert)
            else:
                action = tick.action
        else:
            action = policy.act(scene, cell.task.expert)
        result = safety.apply(action, 0.0, 0.0, scene.tcp.position)
        policy.notify_executed(mode == Mode.POLICY, cell.time)
        executed = np.nan_to_num(result.command).astype(np.float32)
        observation = cell.step(executed)
        out.ticks += 1
        out.human_ticks += mode == Mode.HUMAN
        out.recovery_ticks += mode == Mode.RECOVERY
        out.values.append(value)
        out.risks.append(risk)
        out.modes.append(int(mode))
        progress.append(status.progress)
        warnings.append(status.warning)
        sources.append(int(mode))  # Mode values are the recorded source codes
        status = cell.status()
        if status.success or status.failure:
            break
    out.success = bool(status.success)
    out.unproductive = segments(unproductive_flags(progress, warnings, sources))
    return out


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
