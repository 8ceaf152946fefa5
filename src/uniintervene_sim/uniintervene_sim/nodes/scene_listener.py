"""Shared input side of the operator and policy nodes: the privileged scene, mirrored task."""

from sensor_msgs.msg import JointState

from uniintervene_common import conversions as conv
from uniintervene_common import topics
from uniintervene_msgs.msg import TaskState
from uniintervene_sim import ros_conversions as sim_conv
from uniintervene_sim.mirror import TaskMirror


class SceneListener:
    """Calls `on_scene(msg, scene, status, restarted)` for each task state from sim_node."""

    def __init__(self, node, on_scene):
        self.mirror = TaskMirror()
        self.finger_opening = 0.0
        self._on_scene = on_scene
        node.create_subscription(TaskState, topics.TASK_STATE, self._on_state, 10)
        node.create_subscription(JointState, topics.JOINT_STATES, self._on_joints, 10)

    def _on_joints(self, msg: JointState) -> None:
        opening = conv.finger_opening_from_joint_state(msg)
        if opening is not None:
            self.finger_opening = opening

    def _on_state(self, msg: TaskState) -> None:
        scene = sim_conv.scene_from_task_state(msg, self.finger_opening)
        restarted = self.mirror.sync(msg.task, msg.seed, scene)
        self._on_scene(msg, scene, sim_conv.status_from_task_state(msg), restarted)
