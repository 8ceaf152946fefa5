"""supervisor_node's side of the learner: each tick's observation (the critic's latent and
proprioception) and executed command become `Transition` messages on
uniintervene/transitions (the pairing rules are transitions.TransitionStream's)."""

import time

import numpy as np

from uniintervene_common import conversions as conv
from uniintervene_common import qos, topics
from uniintervene_msgs.msg import Transition
from uniintervene_supervisor.transitions import Observation, TransitionStream


class LearnerStream:
    def __init__(self, node):
        """node: the supervisor (its inputs, proprio, clock and parameters)."""
        self.node = node
        self.stream = TransitionStream(f"{node.get_fully_qualified_name()}@{time.time_ns()}")
        self.publisher = node.create_publisher(Transition, topics.TRANSITIONS, qos.TRANSITIONS)

    def start_episode(self, number: int, task: str) -> None:
        self.stream.start_episode(f"{self.stream.stream}/{number}", task)

    def tick(self, decision, measured=None) -> None:
        """A tick ran: publish the previous tick's transition (its action the twist the
        arm made, where measured)."""
        observation = self.observation()
        self.publish(
            self.stream.tick(
                decision.tick, observation, decision.command, int(decision.mode), measured
            )
        )

    def end(self, success: bool, failure: bool, measured=None) -> None:
        """The episode ended before this tick: publish its last transition."""
        self.publish(self.stream.end(success, failure, self.observation(), measured))

    def observation(self) -> Observation | None:
        """The learner's observation now: the critic's latent and proprioception, both
        fresh (None otherwise: no transition is formed around this tick)."""
        node = self.node
        latent, joints, now = node.inputs["latent"], node.inputs["joints"], node.now()
        if latent.value is None or now - latent.at > node.p.critic_timeout:
            return None
        if node.proprio is None or now - joints.at > node.p.joint_state_timeout:
            return None
        return Observation(
            np.asarray(latent.value.data, np.float32), node.proprio.copy(), latent.value.encoder
        )

    def publish(self, transition) -> None:
        node = self.node
        if transition is None or not node.p.publish_transitions:
            return
        msg = Transition(
            stream=transition.stream,
            sequence=transition.sequence,
            episode_id=transition.episode_id,
            tick=transition.tick,
            task=transition.task,
            encoder=transition.observation.encoder,
            latent=transition.observation.latent.tolist(),
            proprio=transition.observation.proprio.tolist(),
            executed=conv.action_command_msg(
                transition.executed, transition.source, node.get_clock().now().to_msg(),
                node.p.base_frame,
            ),
            reward=transition.reward,
            done=transition.done,
            truncated=transition.truncated,
            next_latent=transition.next_observation.latent.tolist(),
            next_proprio=transition.next_observation.proprio.tolist(),
        )  # fmt: skip
        msg.header.stamp = msg.executed.header.stamp
        self.publisher.publish(msg)
