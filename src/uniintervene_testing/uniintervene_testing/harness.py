"""An rclpy node inside the test process, and helpers that wait with timeouts.

Spinning happens in the test's own thread (`spin_until`), so callbacks never race the
assertions that read what they collected.
"""

import time
import uuid

import rclpy
from rcl_interfaces.srv import GetParameterTypes
from rclpy.action.client import ClientGoalHandle
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile
from unique_identifier_msgs.msg import UUID


class WaitTimeout(AssertionError):
    """A waited-for condition did not hold in time (an assertion failure in tests)."""


class TopicProbe:
    """Collects the messages published on one topic."""

    def __init__(self, harness: "RosHarness", msg_type, topic: str, qos: QoSProfile | int = 10):
        self.harness = harness
        self.topic = topic
        self.messages = []
        self.stamps = []
        self.subscription = harness.node.create_subscription(msg_type, topic, self._on_msg, qos)

    def _on_msg(self, msg) -> None:
        self.messages.append(msg)
        self.stamps.append(time.monotonic())

    def wait_for(self, count: int = 1, timeout: float = 10.0):
        """Wait until `count` messages arrived in total; return the latest."""
        self.harness.spin_until(
            lambda: len(self.messages) >= count, timeout, f"{count} message(s) on {self.topic}"
        )
        return self.messages[-1]

    def clear(self) -> None:
        self.messages.clear()
        self.stamps.clear()


class RosHarness:
    """One rclpy context and node for a test, with an executor spun on demand."""

    def __init__(self, name: str = "test_harness"):
        self._join(name)

    def _join(self, name: str) -> None:
        self.context = rclpy.Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node(name, context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def rejoin(self) -> None:
        """Leave the domain and join it again as a new DDS participant. Probes, clients
        and publishers made so far are gone; make them again on `node`. For a test whose
        peers never appear: in CI a node process was once missed by the test's
        participant, and by the same participant again after the node was restarted."""
        name = self.node.get_name()
        self.close()
        self._join(name)

    def spin_until(self, predicate, timeout: float, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"timed out after {timeout:.1f} s waiting for {what}")
            self.executor.spin_once(timeout_sec=0.02)

    def spin_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.executor.spin_once(timeout_sec=min(0.02, max(deadline - time.monotonic(), 0)))

    def probe(self, msg_type, topic: str, qos: QoSProfile | int = 10) -> TopicProbe:
        return TopicProbe(self, msg_type, topic, qos)

    def wait_future(self, future, timeout: float = 10.0, what: str = "future"):
        self.spin_until(future.done, timeout, what)
        return future.result()

    def call_until_answered(
        self, send, timeout: float = 60.0, attempt: float = 10.0, what: str = "service call"
    ):
        """`send()` returns a new request future; re-send when no answer came within
        `attempt` s. A server seen by the graph may not yet have matched this client's
        request writer, and a request sent into that gap is dropped, never answered
        (seen in CI with 14 nodes starting on two cores)."""
        deadline = time.monotonic() + timeout
        while True:
            future = send()
            remaining = deadline - time.monotonic()
            try:
                return self.wait_future(future, min(attempt, max(remaining, 0.0)), what)
            except WaitTimeout:
                if time.monotonic() >= deadline:
                    raise WaitTimeout(f"no answer within {timeout:.1f} s to {what}") from None

    def wait_for_subscribers(self, publisher, count: int = 1, timeout: float = 10.0) -> None:
        self.spin_until(
            lambda: publisher.get_subscription_count() >= count,
            timeout,
            f"{count} subscriber(s) on {publisher.topic_name}",
        )

    def wait_for_publishers(self, topic: str, count: int = 1, timeout: float = 10.0) -> None:
        self.spin_until(
            lambda: self.node.count_publishers(topic) >= count,
            timeout,
            f"{count} publisher(s) on {topic}",
        )

    def wait_for_action_server(self, client, timeout: float = 10.0) -> None:
        """Wait until the server is seen *and* has seen us: discovery is not symmetric,
        and a goal sent before the server has matched this client's reply readers gets
        its response dropped ("client will not receive response"). The readiness signal
        is a round trip through the client's own result service (its last-created
        service endpoints; discovery announces them in order): a result request for a goal
        nobody has, which the server answers at once with STATUS_UNKNOWN. A separate
        ping client is not used: a second client of the same service could wait for a
        match of its own long after this client's were made."""
        name = client._action_name
        self.spin_until(client.server_is_ready, timeout, f"action server {name}")
        deadline = time.monotonic() + timeout
        while True:
            goal_id = UUID(uuid=list(uuid.uuid4().bytes))  # a goal nobody has
            future = client._get_result_async(ClientGoalHandle(client, goal_id, None))
            try:
                self.spin_until(future.done, 0.5, f"a result reply from {name}")
                return
            except WaitTimeout:  # sent before the server matched us: ask again
                if time.monotonic() > deadline:
                    raise WaitTimeout(
                        f"timed out after {timeout:.1f} s waiting for {name} to answer"
                    ) from None

    def wait_for_service(self, client, node: str, timeout: float = 10.0) -> None:
        """As wait_for_action_server, for a service served by `node` (its fully qualified
        name: a test knows it, and the graph may still list a dead node of the same
        name): the round trip goes to that node's get_parameter_types, asking for
        nothing, which changes nothing."""
        self.spin_until(client.service_is_ready, timeout, f"service {client.srv_name}")
        self.round_trip(GetParameterTypes, f"{node}/get_parameter_types", None, timeout)

    def round_trip(self, srv_type, name: str, request, timeout: float) -> None:
        """Call `name` until a response comes back. Its client is created after the one
        being waited for, and discovery announces endpoints in order on a reliable
        channel: once the server answers this one, it has matched the earlier one too."""
        ping = self.node.create_client(srv_type, name)
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.spin_until(ping.service_is_ready, timeout, f"service {name}")
                future = ping.call_async(request or srv_type.Request())
                try:
                    self.spin_until(future.done, 0.5, f"a reply from {name}")
                    return
                except WaitTimeout:
                    if time.monotonic() > deadline:
                        raise
        finally:
            self.node.destroy_client(ping)

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        if self.context.ok():
            rclpy.shutdown(context=self.context)
