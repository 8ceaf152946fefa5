"""An in-process episode: the base policy proposes, the simulated operator may take over.

This is the HiL-SERL protocol on the simulated cell without ROS (human-only arbitration:
HUMAN when the operator is engaged, else POLICY). Later harnesses add the critic's
triggers; this one is the baseline and the data collector.
"""

from dataclasses import dataclass, field

import numpy as np

from uniintervene_sim.base_policy import BasePolicy
from uniintervene_sim.cell import SimCell
from uniintervene_sim.operator import SimulatedOperator

POLICY, HUMAN = "policy", "human"


@dataclass
class EpisodeRecord:
    task: str
    seed: int
    sources: list[str] = field(default_factory=list)
    progress: list[float] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    success: bool = False
    failure_reason: str = ""
    takeovers: int = 0

    @property
    def ticks(self) -> int:
        return len(self.sources)

    @property
    def human_intervention_rate(self) -> float:
        return self.sources.count(HUMAN) / max(self.ticks, 1)


def run_episode(
    cell: SimCell,
    task: str,
    seed: int,
    policy: BasePolicy,
    operator: SimulatedOperator | None,
    keep_actions: bool = False,
) -> EpisodeRecord:
    cell.reset(task, seed)
    policy.reset(seed)
    if operator is not None:
        operator.reset()
    record = EpisodeRecord(task=task, seed=seed)
    steps = round(cell.task.episode_seconds / 0.1)
    for _ in range(steps):
        scene, status = cell.scene(), cell.status()
        proposed = policy.act(scene, cell.task)
        source, action = POLICY, proposed
        if operator is not None:
            decision = operator.step(cell.time, status, scene, cell.task.expert)
            if decision.engaged:
                source, action = HUMAN, decision.action
        cell.step(action)
        record.sources.append(source)
        record.progress.append(cell.status().progress)
        if keep_actions:
            record.actions.append(np.asarray(action))
        status = cell.status()
        if status.success or status.failure:
            break
    record.success, record.failure_reason = status.success, status.failure_reason
    record.takeovers = operator.takeovers if operator is not None else 0
    return record
