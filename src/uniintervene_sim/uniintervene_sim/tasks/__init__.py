"""The paper's tasks on the simulated cell, by name."""

from uniintervene_sim.tasks.base import Task
from uniintervene_sim.tasks.fold_towel import FoldTowel
from uniintervene_sim.tasks.insertion import RamInsertion, TubeInsertion
from uniintervene_sim.tasks.pick_eggplant import PickEggplant
from uniintervene_sim.tasks.wipe import Wipe

TASKS: dict[str, type[Task]] = {
    task.name: task for task in (PickEggplant, TubeInsertion, RamInsertion, Wipe, FoldTowel)
}


def make_task(name: str) -> Task:
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of {', '.join(sorted(TASKS))}")
    return TASKS[name]()
