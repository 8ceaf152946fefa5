"""The test harness itself: isolation, process lifecycle, timeouts."""

import os
import pathlib
import signal
import time

import pytest
from std_msgs.msg import String

from uniintervene_testing import processes
from uniintervene_testing.domain import claim_domain, isolate_environment
from uniintervene_testing.harness import WaitTimeout

pytest_plugins = ["pytester"]


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still "exists"; check its state.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_session_has_an_isolated_domain():
    assert 1 <= int(os.environ["ROS_DOMAIN_ID"]) <= 101
    assert os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"


def test_domain_claims_are_exclusive_until_released():
    first = claim_domain(rng_seed=7)
    second = claim_domain(rng_seed=7)  # same preference order, so it must skip the first
    assert first.domain_id != second.domain_id
    assert int(os.environ["ROS_DOMAIN_ID"]) not in (first.domain_id, second.domain_id)
    held = first.domain_id
    first.close()
    again = claim_domain(rng_seed=7)
    assert again.domain_id == held
    again.close()
    second.close()


def test_isolate_environment_drops_conflicting_settings():
    env = {"ROS_LOCALHOST_ONLY": "1", "ROS_STATIC_PEERS": "10.0.0.2"}
    isolate_environment(42, env)
    assert env["ROS_DOMAIN_ID"] == "42"
    assert env["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
    assert "ROS_LOCALHOST_ONLY" not in env and "ROS_STATIC_PEERS" not in env


def test_unknown_executable_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="no installed executable 'nope'"):
        processes.NodeProcess("uniintervene_testing", "nope")


@pytest.mark.ros
def test_stop_ends_the_whole_process_group_cleanly(ros):
    process = processes.NodeProcess(
        "uniintervene_testing", "interface_relay", params={"interface": "std_msgs/msg/String"}
    )
    ros.wait_for_publishers("/relay_out", timeout=20.0)  # up and spinning: SIGINT is clean
    assert process.is_alive()
    code = process.stop()
    assert code == 0, process.output()  # SIGINT is a clean shutdown, not a crash
    assert not _pid_exists(process.pid)
    assert process not in processes.running()


def test_a_rejoined_harness_talks_again_as_a_new_participant(ros):
    name, old_context = ros.node.get_fully_qualified_name(), ros.context
    ros.rejoin()
    assert ros.node.get_fully_qualified_name() == name
    assert ros.context is not old_context and not old_context.ok()  # the old one is shut
    publisher = ros.node.create_publisher(String, "/harness_rejoin", 10)
    probe = ros.probe(String, "/harness_rejoin")
    ros.spin_until(
        lambda: publisher.publish(String(data="again")) or probe.messages, 10.0, "own message"
    )
    assert probe.messages[0].data == "again"


def test_wait_times_out_with_a_clear_message(ros):
    probe = ros.probe(String, "/nobody/publishes/this")
    started = time.monotonic()
    with pytest.raises(WaitTimeout, match="1 message"):
        probe.wait_for(count=1, timeout=0.5)
    assert time.monotonic() - started < 3.0


@pytest.mark.ros
def test_processes_are_stopped_when_a_test_fails(pytester, tmp_path):
    pid_file = tmp_path / "pid"
    pytester.makepyfile(f"""
        def test_fails_with_a_node_running(start_node):
            process = start_node("uniintervene_testing", "interface_relay",
                                 params={{"interface": "std_msgs/msg/String"}})
            open({str(pid_file)!r}, "w").write(str(process.pid))
            assert False, "deliberate failure"
    """)
    result = pytester.runpytest_subprocess(
        "-p", "uniintervene_testing.plugin", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    result.stderr.fnmatch_lines(["*output of <NodeProcess uniintervene_testing/interface_relay*"])
    pid = int(pid_file.read_text())
    assert not _pid_exists(pid)


@pytest.mark.ros
def test_a_failed_fixture_shows_its_nodes_output_and_no_log_is_left(pytester, tmp_path):
    """A fixture that fails at setup (a node never came up) has no failing test report of
    its own to carry the node's output: it must still reach the terminal. The captured
    log files are deleted either way."""
    log_file = tmp_path / "log"
    pytester.makepyfile(f"""
        import pytest

        @pytest.fixture
        def cell(start_node):
            process = start_node("uniintervene_testing", "interface_relay",
                                 params={{"interface": "no_such/msg/Type"}})
            open({str(log_file)!r}, "w").write(str(process.log_path))
            process.popen.wait(20.0)
            raise AssertionError("the node never came up")

        def test_needs_the_cell(cell):
            pass
    """)
    result = pytester.runpytest_subprocess(
        "-p", "uniintervene_testing.plugin", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(errors=1)
    result.stderr.fnmatch_lines(["*output of <NodeProcess uniintervene_testing/interface_relay*"])
    result.stdout.fnmatch_lines(["*no_such*"])  # the node's own words
    assert not pathlib.Path(log_file.read_text()).exists()


@pytest.mark.ros
def test_children_die_with_a_killed_test_runner(pytester, tmp_path):
    pid_file = tmp_path / "pid"
    pytester.makepyfile(f"""
        import os, signal, time
        def test_runner_is_killed(start_node):
            process = start_node("uniintervene_testing", "interface_relay",
                                 params={{"interface": "std_msgs/msg/String"}})
            open({str(pid_file)!r}, "w").write(str(process.pid))
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    pytester.runpytest_subprocess("-p", "uniintervene_testing.plugin", "-p", "no:cacheprovider")
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5.0
    while _pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _pid_exists(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("node process outlived its SIGKILLed test runner")


def test_a_test_hung_beyond_any_signal_is_ended_and_rerun_once(pytester, tmp_path):
    """The first attempt blocks SIGALRM (pytest-timeout's signal, as a C++ call holding
    the GIL would never see it) and sleeps: the watchdog must print its stack and end the
    worker, and pytest-xdist must rerun the test on a new worker, where it passes. A
    plain failure beside it is not rerun."""
    attempts = tmp_path / "attempts"
    pytester.makeini("[pytest]\ntimeout = 1\nhang_grace = 1\n")
    pytester.makepyfile(f"""
        import pathlib, signal, time

        def test_hangs_once():
            attempts = pathlib.Path({str(attempts)!r})
            attempts.write_text(attempts.read_text() + "x" if attempts.exists() else "x")
            if attempts.read_text() == "x":
                signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGALRM}})
                time.sleep(60)

        def test_fails():
            assert False, "deliberate failure"
    """)
    started = time.monotonic()
    result = pytester.runpytest_subprocess(
        "-p", "uniintervene_testing.plugin", "-p", "no:cacheprovider",
        "-n", "1", "--reruns", "1", "--only-rerun", "NO_FAILURE_MATCHES_THIS",
    )  # fmt: skip
    assert time.monotonic() - started < 45.0  # not the 60 s sleep
    outcomes = result.parseoutcomes()
    assert (outcomes["passed"], outcomes["failed"], outcomes["rerun"]) == (1, 1, 1), outcomes
    assert attempts.read_text() == "xx"
    result.stderr.fnmatch_lines(["*Timeout*", "*in test_hangs_once*"])
