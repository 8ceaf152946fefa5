"""Pinching cloth: how the parallel gripper holds a MuJoCo flex (the towel).

Box fingers cannot squeeze a cloth lying flat on a table, and contact-resolved pinching
of a thin shell needs far more substeps than the cell can afford. So the fingers do not
collide with the cloth; instead, on the tick the gripper closes, the flex vertices within
`radius` of the TCP are tied to the flange by MuJoCo `connect` equalities (soft
constraints, so the pinch yields like fabric between fingertips) at the offsets they had,
and opening the gripper unties them. The task's XML provides the inactive equality slots
(`slots_xml`); one slot pins one vertex.
"""

import mujoco
import numpy as np

GRIPPER_CLOSED = 0.5  # command at and above which the gripper counts as closed


def slots_xml(flex: str, slots: int, body: str = "flange") -> str:
    """Inactive connect equalities for `Pinch` to fill in; body2 is rebound when pinching."""
    return "".join(
        f'<connect name="{flex}_pinch{i}" body1="{body}" body2="{flex}_0" anchor="0 0 0" '
        'active="false" solref="0.01 1"/>'
        for i in range(slots)
    )


class Pinch:
    def __init__(self, model: mujoco.MjModel, data: mujoco.MjData, flex: str, radius: float,
                 body: str = "flange"):  # fmt: skip
        self.model, self.data, self.radius = model, data, radius
        flex_id = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_FLEX, flex)
        start, count = model.flex_vertadr[flex_id], model.flex_vertnum[flex_id]
        self.vertex_bodies = np.array(model.flex_vertbodyid[start : start + count])
        self.slots = [i for i in range(model.neq) if model.eq(i).name.startswith(f"{flex}_pinch")]
        if not self.slots:
            raise ValueError(f"the model has no {flex}_pinch* equalities (see pinch.slots_xml)")
        self.body = model.body(body).id
        self.reset()

    def reset(self) -> None:
        self.pinned: list[int] = []  # vertex indices into the flex
        self.closed = False
        self.data.eq_active[self.slots] = 0

    def update(self, gripper_command: float, tcp_position: np.ndarray) -> None:
        """Call once per control tick before stepping: closing pinches, opening lets go."""
        closed = gripper_command >= GRIPPER_CLOSED
        if closed and not self.closed:
            self._pinch(np.asarray(tcp_position, float))
        elif not closed and self.pinned:
            self.data.eq_active[self.slots] = 0
            self.pinned = []
        self.closed = closed

    def _pinch(self, tcp_position: np.ndarray) -> None:
        positions = self.data.xpos[self.vertex_bodies]
        distances = np.linalg.norm(positions - tcp_position, axis=1)
        nearest = [int(i) for i in np.argsort(distances)[: len(self.slots)]]
        self.pinned = [i for i in nearest if distances[i] <= self.radius]
        frame_position = self.data.xpos[self.body]
        frame_rotation = self.data.xmat[self.body].reshape(3, 3)
        for slot, vertex in zip(self.slots, self.pinned, strict=False):
            # pin the vertex where it is now, as seen from the flange: no jump on closing
            self.model.eq_obj1id[slot] = self.body
            self.model.eq_obj2id[slot] = self.vertex_bodies[vertex]
            self.model.eq_data[slot, 0:3] = frame_rotation.T @ (positions[vertex] - frame_position)
            self.model.eq_data[slot, 3:6] = 0.0
            self.data.eq_active[slot] = 1
