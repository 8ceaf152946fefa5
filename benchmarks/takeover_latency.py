"""Takeover latency over DDS: human engaged message -> first HUMAN twist to the robot.

    source scripts/env.sh
    python benchmarks/takeover_latency.py [--trials 40]

Starts sim_node and supervisor_node as separate processes (their own DDS domain), runs a
supervised episode with a policy streaming +x, and repeatedly publishes a human takeover
(+y, then -y) at a random phase of the 10 Hz control tick, timing until /servo_node/delta_twist_cmds
carries the human's twist. Prints median and p99 (ms). The supervisor acts on an engaged
human's messages at once (SupervisorCore.takeover), so this is message latency, not the
tick's: on the idle 2-core development machine median 0.9 ms, p99 2.1 ms (60 trials;
with two training runs beside it 2.5 ms and 9.7 ms; the tick-bound supervisor before it:
46.5 ms and 96.6 ms).
"""

import argparse
import random
import time

import numpy as np
import rclpy
from geometry_msgs.msg import TwistStamped
from rclpy.action import ActionClient
from std_msgs.msg import Bool

from uniintervene_msgs.action import Arbitrate
from uniintervene_msgs.msg import ActionCommand
from uniintervene_testing.domain import claim_domain, isolate_environment
from uniintervene_testing.harness import RosHarness
from uniintervene_testing.processes import NodeProcess, stop_all


def command(vx: float, vy: float, source: int) -> ActionCommand:
    msg = ActionCommand(source=source, gripper=1.0)
    msg.twist.linear.x, msg.twist.linear.y = vx, vy
    return msg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=40)
    args = parser.parse_args()
    claim = claim_domain()
    isolate_environment(claim.domain_id)
    NodeProcess("uniintervene_sim", "sim_node", params={"image_width": 64, "image_height": 64})
    NodeProcess("uniintervene_supervisor", "supervisor_node", params={"record": False})
    ros = RosHarness("takeover_benchmark")
    try:
        node = ros.node
        policy = node.create_publisher(ActionCommand, "/uniintervene/policy/command", 10)
        human = node.create_publisher(ActionCommand, "/uniintervene/human/command", 10)
        engaged = node.create_publisher(Bool, "/uniintervene/human/engaged", 10)
        # the human alternates +y and -y, so many trials never push the arm into the
        # workspace box's side (where the safety filter rightly zeroes the push)
        state = {"engaged": False, "sent": None, "latencies": [], "direction": 1.0}

        def on_twist(msg: TwistStamped) -> None:
            if state["sent"] is not None and msg.twist.linear.y * state["direction"] > 0.0:
                state["latencies"].append((time.perf_counter() - state["sent"]) * 1e3)
                state["sent"] = None

        node.create_subscription(TwistStamped, "/servo_node/delta_twist_cmds", on_twist, 10)

        def stream() -> None:
            policy.publish(command(0.01, 0.0, ActionCommand.POLICY))
            if state["engaged"]:
                human.publish(command(0.0, 0.03 * state["direction"], ActionCommand.HUMAN))
            engaged.publish(Bool(data=state["engaged"]))

        node.create_timer(0.1, stream)
        client = ActionClient(node, Arbitrate, "/uniintervene/arbitrate")
        ros.wait_for_action_server(client, timeout=30.0)
        ros.spin_for(1.0)
        goal = Arbitrate.Goal(task="", max_ticks=100000, autonomous_intervention=False)
        handle = ros.wait_future(client.send_goal_async(goal))
        ros.spin_for(1.0)
        for _ in range(args.trials):
            ros.spin_for(random.uniform(0.0, 0.1))  # a random phase of the control tick
            state["direction"] = -state["direction"]
            human.publish(command(0.0, 0.03 * state["direction"], ActionCommand.HUMAN))
            state["engaged"], state["sent"] = True, time.perf_counter()
            engaged.publish(Bool(data=True))
            ros.spin_until(lambda: state["sent"] is None, 2.0, "the human twist")
            ros.spin_for(0.3)
            state["engaged"] = False
            ros.spin_for(0.6)
        ros.wait_future(handle.cancel_goal_async())
        latencies = np.array(state["latencies"])
        print(
            f"takeover latency over {len(latencies)} trials (10 Hz control tick): "
            f"median {np.median(latencies):.1f} ms, p99 {np.percentile(latencies, 99):.1f} ms, "
            f"max {latencies.max():.1f} ms"
        )
    finally:
        ros.close()
        stop_all()
        claim.close()
        if rclpy.ok():
            rclpy.shutdown()


if __name__ == "__main__":
    main()
