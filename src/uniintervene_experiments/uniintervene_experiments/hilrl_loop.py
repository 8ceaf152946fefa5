"""HiL-RL at simulation speed, in-process: SAC with RLPD learns a task on the simulated
cell while the simulated operator (and, for UniIntervene, the agentic intervention)
corrects it, through the same supervisor core, critic runtime and recovery as the graph.

Per tick: the learner's policy proposes a command from the frozen encoder's latent plus
proprioception; the operator and an active recovery propose theirs; `SupervisorCore.step`
decides; the cell executes. The executed command, mapped back into the policy's action
space, becomes a transition: the policy's ticks go to the online buffer, every human and
recovery tick (and the scripted demonstrations) to the prior buffer; each batch samples
both halves (RLPD); `uniintervene_no_recovery_data` keeps recovery ticks out of the
buffers (what that data is worth). Verified recoveries grow the run's copy of the memory,
as recovery_node does. Reward is the task's success (sparse). The trained policy alone
is evaluated on held-out seeds that training never sees.

The critic, recovery policy and starting memory are trained before the run on collected
episodes (`uniintervene collect`/`train`: seeds 0.. of the collection, disjoint from the
evaluation seeds here, EVAL_SEED_OFFSET on).
"""

import json
import pathlib
import time
from collections import Counter
from copy import deepcopy
from dataclasses import asdict

import numpy as np
import torch
from tqdm import tqdm

from uniintervene_common.atomic import atomic_write
from uniintervene_critic.runtime import CriticRuntime
from uniintervene_experiments.controls import CONTROLS, ControlRates
from uniintervene_experiments.hilrl_config import (
    EVAL_SEED_OFFSET,
    NO_RECOVERY_DATA,
    SYSTEMS,
    TRIGGER_MODE,
    HilRLConfig,
    graph_settings,
)
from uniintervene_experiments.observations import LearnerObservation
from uniintervene_experiments.oracles import ORACLE_RECOVERY, POSE_SERVO, ExpertAgreement
from uniintervene_experiments.supervision import Supervision
from uniintervene_experiments.trigger_timing import TriggerTiming
from uniintervene_learner.action_space import ActionSpace
from uniintervene_learner.learner import Learner, LearnerConfig
from uniintervene_learner.sac import SACAgent
from uniintervene_recovery.online import (
    CorrectionRecorder,
    OnlineRecoveryTrainer,
    correction_action,
    remember_correction,
)
from uniintervene_supervisor.arbitration import Mode


class LearnedPolicy:
    """The SAC actor as a command source: observation = latent + proprioception."""

    def __init__(self, agent: SACAgent, space: ActionSpace):
        self.agent, self.space = agent, space

    def command(self, obs: np.ndarray, gripper_now: float, explore: bool) -> np.ndarray:
        return self.space.to_command(self.agent.act(obs, deterministic=not explore), gripper_now)


class HilRLRun:
    def __init__(self, config: HilRLConfig, cell, operator, bundle, out: pathlib.Path,
                 report=None, memory=None, recovery_policy=None):  # fmt: skip
        if config.system not in SYSTEMS:
            raise ValueError(f"system must be one of {SYSTEMS}")
        self.config, self.cell, self.operator, self.bundle = config, cell, operator, bundle
        self.out = pathlib.Path(out)
        # the run grows its own copy of the memory with verified recoveries
        self.report, self.memory = report, deepcopy(memory)
        # the run's own copy of the recovery policy, trained online on the memory's segments
        self.recovery_policy = deepcopy(recovery_policy)
        self.recovery_trainer = None
        learned_recovery = config.system not in (*CONTROLS, *ORACLE_RECOVERY, *POSE_SERVO)
        if (
            memory is not None
            and recovery_policy is not None
            and learned_recovery
            and (config.recovery_updates_per_step > 0)
        ):
            self.recovery_trainer = OnlineRecoveryTrainer(
                self.recovery_policy, self.memory, config.task, seed=config.seed
            )
        self.timing = TriggerTiming()
        self.corrections_remembered = self.corrections_seen = 0
        self.recovery_outcomes = Counter()
        # the recovery's twist against the scripted expert's on the same ticks (diagnostic)
        self.expert_agreement = ExpertAgreement()
        self.settings = graph_settings(config)
        if (self.out / "prior").exists():
            raise FileExistsError(f"{self.out} holds a previous run; choose another --out")
        self.features = LearnerObservation(
            config.observation, cell, config.task, bundle.config.latent_dim
        )
        # the learner_node's core: the same buffers, routing and updates
        self.learner = Learner(
            self.out,
            LearnerConfig(
                task=config.task,
                latent_dim=self.features.dim,
                proprio_dim=bundle.config.proprio_dim,
                sac=config.sac,
                action=config.action,
            ),
            device="cpu",
        )
        self.agent, self.space = self.learner.agent, self.learner.space
        self.prior, self.online = self.learner.prior, self.learner.online
        self.policy = LearnedPolicy(self.agent, self.space)
        self.env_steps = self.human_ticks = self.ticks = self.autonomous = self.episodes = 0
        self.unstable = self.policy_ticks = self.recovery_ticks = self.demo_ticks = 0
        self.rates = ControlRates(**config.control_rates) if config.control_rates else None
        if config.system in CONTROLS and self.rates is None:
            raise ValueError(f"{config.system} needs UniIntervene's rates (--reference)")
        self.curve = []

    # -- one episode ----------------------------------------------------------------------
    def episode(self, seed: int, learn: bool, operator: bool, demo: bool = False) -> dict:
        """Training (learn), evaluation (no operator, no recovery, greedy) or a scripted
        demonstration. Returns success, ticks, human ticks and interventions."""
        c, cell = self.config, self.cell
        observation = cell.reset(c.task, seed)
        self.operator.reset()
        runtime = CriticRuntime(self.bundle, TRIGGER_MODE[c.system], self._triggers())
        ticks = round(cell.task.episode_seconds / 0.1)
        supervision = Supervision(
            c.system, self.settings, self.memory, self.recovery_policy, c.task, seed,
            autonomous=learn and c.system != "hil_serl",
            max_ticks=min(ticks, c.max_episode_ticks or ticks), rates=self.rates,
            grow_memory=learn, cell=cell,
        )  # fmt: skip
        corrections = CorrectionRecorder() if learn and self.memory is not None else None
        self.timing.reset()
        stats = dict.fromkeys(("ticks", "human_ticks", "policy_ticks", "recovery_ticks"), 0)
        stats |= {"success": False, "autonomous": 0}
        step = runtime.step_observation(
            observation, self._proprio(observation), np.zeros(7, np.float32)
        )
        while True:
            proprio = self._proprio(observation)
            obs = np.r_[self.features(step.latent), proprio].astype(np.float32)
            scene, status = cell.scene(), cell.status()
            commands, engaged = self._proposals(obs, observation, scene, status, learn, operator,
                                                demo)  # fmt: skip
            supervision.propose(commands, step, proprio)
            _, decision, started = supervision.decide(observation, status, commands, engaged, step)
            if not decision.ran:
                break
            mode = decision.mode
            stats["autonomous"] += started
            if learn:
                self.timing.tick(cell.time, decision.events, self.operator)
            if corrections is not None:
                self._observe_correction(corrections, mode == Mode.HUMAN, step, proprio,
                                         decision.command, seed, cell.time)  # fmt: skip
            executed = np.nan_to_num(decision.command).astype(np.float32)
            try:
                next_observation = cell.step(executed)
            except cell.Unstable:
                self.unstable += 1
                break  # a failure: nothing of this tick reaches the buffers
            next_step = runtime.step_observation(
                next_observation, self._proprio(next_observation), executed
            )
            if learn or demo:
                self._store(obs, executed, mode, next_step, next_observation, demo)
            self._count(stats, mode)
            if learn and mode == Mode.RECOVERY:
                self.expert_agreement.add(decision.command, cell.task.expert(scene))
            observation, step = next_observation, next_step
            if learn:
                self.env_steps += 1
                self.learn()
        stats["success"] = bool(cell.status().success)
        if corrections is not None:  # a correction the episode's end cut short
            self._remember(corrections.close(step.latent, step.state_value), seed, cell.time)
        if learn:
            self.recovery_outcomes.update(supervision.recovery.outcomes)
        return stats

    def _proposals(self, obs, observation, scene, status, learn: bool, operator: bool,
                   demo: bool) -> tuple[dict, bool]:  # fmt: skip
        """This tick's commands (the policy's, or the expert's in a demonstration, and the
        operator's when engaged) and whether the operator is engaged."""
        if demo:
            proposal = np.asarray(self.cell.task.expert(scene), float)
        else:
            proposal = self.policy.command(obs, float(observation["gripper"][0]), learn)
        commands = {"policy": (proposal, 0.0)}
        human = self.operator.step(self.cell.time, status, scene, self.cell.task.expert)
        engaged = operator and human.engaged
        if engaged:
            commands["human"] = (human.action, 0.0)
        return commands, engaged

    def _store(self, obs, executed, mode, next_step, next_observation, demo: bool) -> None:
        """The tick's transition into the learner's buffers (reward: the task's success)."""
        if self.config.system == NO_RECOVERY_DATA and mode == Mode.RECOVERY:
            return  # what the recovery's data is worth: none of it
        status = self.cell.status()
        next_obs = np.r_[self.features(next_step.latent), self._proprio(next_observation)]
        done = status.success or status.failure
        self.learner.store(obs, executed, int(mode), float(status.success), next_obs, done, demo)

    @staticmethod
    def _count(stats: dict, mode) -> None:
        stats["ticks"] += 1
        stats["human_ticks"] += mode == Mode.HUMAN
        stats["policy_ticks"] += mode == Mode.POLICY
        stats["recovery_ticks"] += mode == Mode.RECOVERY

    def _observe_correction(self, corrections, human: bool, step, proprio, command, seed,
                            time) -> None:  # fmt: skip
        """The executed action of a human tick joins its correction (a NaN gripper, "leave
        it", is the measured closure); a finished correction whose value rose is
        remembered."""
        action = correction_action(command, proprio)
        finished = corrections.observe(human, step.latent, step.state_value, proprio, action)
        self._remember(finished, seed, time)

    def _remember(self, correction, seed: int, time: float) -> None:
        if correction is None:
            return
        self.corrections_seen += 1
        self.corrections_remembered += remember_correction(
            self.memory, correction, self.config.task, f"human_{seed}", time
        )

    @staticmethod
    def _proprio(observation) -> np.ndarray:
        return np.r_[observation["joint_pos"], observation["gripper"]].astype(np.float32)

    def _triggers(self):
        return (self.report or {}).get("triggers")

    def learn(self) -> None:
        c = self.config
        if self.env_steps < c.warmup_steps or len(self.prior) + len(self.online) == 0:
            return
        for _ in range(c.updates_per_step):
            self.learner.update()
        if self.recovery_trainer is not None:
            self.recovery_trainer.update(c.recovery_updates_per_step)

    def evaluate(self, episodes: int) -> float:
        seeds = [EVAL_SEED_OFFSET + i for i in range(episodes)]
        return float(np.mean([self.episode(s, False, False)["success"] for s in seeds]))

    # -- the run --------------------------------------------------------------------------
    def run(self) -> dict:
        c = self.config
        started = time.monotonic()
        base = c.seed * 100_000
        for i in range(c.demos):
            stats = self.episode(base + 90_000 + i, learn=False, operator=False, demo=True)
            self.demo_ticks += stats["ticks"]
        self.prior.flush()
        initial = self.evaluate(c.eval_episodes)
        self.curve.append(self._curve_point(initial))
        next_eval = c.eval_every
        with tqdm(total=c.steps, desc=f"hil-rl {c.system} {c.task}") as bar:
            while self.env_steps < c.steps:
                before = self.env_steps
                stats = self.episode(base + self.episodes, learn=True, operator=True)
                self.episodes += 1
                self.ticks += stats["ticks"]
                self.human_ticks += stats["human_ticks"]
                self.autonomous += stats["autonomous"]
                self.policy_ticks += stats["policy_ticks"]
                self.recovery_ticks += stats["recovery_ticks"]
                bar.update(self.env_steps - before)
                bar.set_postfix(human=f"{self.human_rate:.2f}", episodes=self.episodes)
                self.prior.flush()
                self.online.flush()
                if next_eval <= self.env_steps < c.steps:  # the last one is the final
                    next_eval += c.eval_every
                    self.curve.append(self._curve_point(self.evaluate(c.eval_episodes)))
                    self.save(initial, time.monotonic() - started, final=None)
        final = self.evaluate(c.final_eval_episodes)
        self.curve.append(self._curve_point(final))
        return self.save(initial, time.monotonic() - started, final)

    @property
    def human_rate(self) -> float:
        return self.human_ticks / self.ticks if self.ticks else 0.0

    def _curve_point(self, success_rate: float) -> dict:
        """The trained policy's success alone now, and what training has cost so far."""
        return {
            "env_step": self.env_steps,
            "success_rate": success_rate,
            "human_intervention_rate": self.human_rate,
            "human_ticks": self.human_ticks,
            "autonomous_interventions": self.autonomous,
        }

    def measured_rates(self) -> dict | None:
        """This run's trigger rate and recovery length: what the controls match."""
        if not self.autonomous:
            return None
        return ControlRates.measure(
            self.policy_ticks, self.recovery_ticks, self.autonomous
        ).to_dict()

    def save(self, initial: float, seconds: float, final: float | None) -> dict:
        c = self.config
        summary = {
            "task": c.task,
            "system": c.system,
            "seed": c.seed,
            "env_steps": self.env_steps,
            "episodes": self.episodes,
            "wall_seconds": round(seconds, 1),
            # training env steps per second of wall time, evaluations and demos included
            "env_steps_per_second": round(self.env_steps / seconds, 1) if seconds else 0.0,
            "observation": c.observation,
            "threads": torch.get_num_threads(),
            "initial_success_rate": initial,
            "final_success_rate": final,
            "human_intervention_rate": self.human_rate,
            "autonomous_interventions_per_episode": self.autonomous / max(self.episodes, 1),
            "autonomous_interventions": self.autonomous,
            "human_ticks": self.human_ticks,
            "policy_ticks": self.policy_ticks,
            "recovery_ticks": self.recovery_ticks,
            "training_ticks": self.ticks,
            "demo_ticks": self.demo_ticks,
            "control_rates": self.measured_rates(),
            "memory_entries": len(self.memory) if self.memory is not None else 0,
            "corrections": self.corrections_seen,
            "corrections_remembered": self.corrections_remembered,
            "recovery_updates": self.recovery_trainer.version if self.recovery_trainer else 0,
            "recovery_loss": (  # None before the first update (NaN is no JSON)
                self.recovery_trainer.last_loss
                if self.recovery_trainer and self.recovery_trainer.version
                else None
            ),
            "recovery_outcomes": dict(self.recovery_outcomes),
            "recovery_vs_expert": self.expert_agreement.summary(),
            "trigger_timing": self.timing.summary(),
            "unstable_steps": self.unstable,
            "prior_transitions": len(self.prior),
            "online_transitions": len(self.online),
            "curve": self.curve,
            "config": {k: v for k, v in asdict(c).items() if k not in ("sac", "action")}
            | {"sac": c.sac.to_dict(), "action": asdict(c.action)},
        }
        self.out.mkdir(parents=True, exist_ok=True)
        self.learner.save()
        self.save_recovery()
        self.timing.save(self.out)
        plot_curve(summary, self.out / "learning_curve.png")
        # last: a summary with a final success rate marks the run finished (resume)
        atomic_write(
            self.out / "summary.json",
            lambda tmp: pathlib.Path(tmp).write_text(json.dumps(summary, indent=2)),
        )
        return summary

    def save_recovery(self) -> None:
        """The memory as it has grown and the recovery policy as it has learned
        (DIR/recovery/: what recovery_node loads), so neither is lost with the run."""
        if self.memory is None:
            return
        folder = self.out / "recovery"
        folder.mkdir(parents=True, exist_ok=True)
        self.memory.save(folder / "memory.safetensors")
        if self.recovery_trainer is not None:
            self.recovery_policy.save(folder)


def plot_curve(summary: dict, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    steps = [p["env_step"] for p in summary["curve"]]
    figure, axis = plt.subplots(figsize=(6, 3.5))
    axis.plot(steps, [p["success_rate"] for p in summary["curve"]], "o-", label="success alone")
    axis.plot(
        steps, [p["human_intervention_rate"] for p in summary["curve"]], "s--", label="human IR"
    )
    axis.set_xlabel("environment steps")
    axis.set_ylim(-0.02, 1.02)
    axis.set_title(f"{summary['system']} on {summary['task']} (seed {summary['seed']})")
    axis.legend()
    figure.tight_layout()
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=110))
    plt.close(figure)
