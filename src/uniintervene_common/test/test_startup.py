"""A node stopped while still importing its libraries exits quietly (startup.py)."""

import os
import signal
import subprocess
import sys
import time

from uniintervene_common.startup import is_node_process

# A node executable's shape: it imports its nodes package, then something slow.
PROGRAM = """
import sys, time
sys.argv[0] = "/ws/install/uniintervene_critic/lib/uniintervene_critic/critic_node"
import uniintervene_critic.nodes
print("importing", flush=True)
time.sleep(30)
"""


def test_only_a_node_executable_counts_as_a_node_process():
    assert is_node_process("/ws/install/uniintervene_sim/lib/uniintervene_sim/sim_node")
    assert not is_node_process("/ws/.venv/bin/pytest")
    assert not is_node_process("/ws/.venv/lib/python3.11/site-packages/pytest/__main__.py")


def test_a_stop_while_importing_exits_with_zero_and_no_traceback():
    for number in (signal.SIGINT, signal.SIGTERM):
        process = subprocess.Popen(
            [sys.executable, "-c", PROGRAM], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=os.environ,
        )  # fmt: skip
        assert process.stdout.readline().strip() == "importing"
        time.sleep(0.2)
        process.send_signal(number)
        out, err = process.communicate(timeout=20)
        assert process.returncode == 0 and "Traceback" not in err, (number, err)
