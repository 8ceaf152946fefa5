"""A task instance kept in step with a remote simulator from its published task state.

Nodes that plan with the scripted expert (the simulated operator, the base policy) run in
their own processes. A task's reset is a pure function of its seed, so replaying
`reset(default_rng(seed))` gives them the same layout the simulator drew, and feeding
each received scene to `status()` keeps stateful tasks (wiped cells) in step.
"""

import numpy as np

from uniintervene_sim.scene import Scene
from uniintervene_sim.tasks import make_task


class TaskMirror:
    def __init__(self):
        self.task = None
        self._key = None
        self._last_time = -np.inf

    def sync(self, task_name: str, seed: int, scene: Scene) -> bool:
        """Follow the simulator; True when it was reset (a new episode started)."""
        key = (task_name, int(seed))
        restarted = key != self._key or scene.time < self._last_time
        if restarted:
            self.task = make_task(task_name)
            self.task.reset(np.random.default_rng(int(seed)))
            self._key = key
        self._last_time = scene.time
        self.task.status(scene)
        return restarted
