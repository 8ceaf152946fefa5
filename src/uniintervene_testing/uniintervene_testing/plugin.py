"""pytest plugin shared by every package's tests (loaded by the root conftest.py).

- Each test session (each xdist worker) claims a DDS domain of its own and restricts
  discovery to localhost, before any rclpy context exists.
- `ros` gives a test an rclpy node with waiting helpers (harness.RosHarness).
- `start_node` starts node processes from their installed entry points and stops every
  one of them when the test ends, pass or fail; a crash of the test runner takes them
  along (PR_SET_PDEATHSIG).
- A test still running `hang_grace` seconds (ini; 120) past its pytest-timeout is stuck where no
  signal reaches it (in C++, holding the GIL: CI once hung 80 min in a DDS teardown). The
  watchdog prints every thread's stack and ends the process; under pytest-xdist (`make
  test` runs one worker) the controller starts a new worker and reruns that test once.
"""

import contextlib
import faulthandler
import os
import sys

import pytest

from uniintervene_testing import processes
from uniintervene_testing.domain import DomainClaim, claim_domain, isolate_environment
from uniintervene_testing.harness import RosHarness

_claim_key = pytest.StashKey[DomainClaim]()
_failed_key = pytest.StashKey[bool]()
_stderr_key = pytest.StashKey[int]()


def pytest_addoption(parser):
    parser.addini(
        "hang_grace",
        "seconds past a test's pytest-timeout after which the watchdog ends a hung test",
        default="120",
    )


def pytest_configure(config):
    claim = claim_domain()
    isolate_environment(claim.domain_id)
    config.stash[_claim_key] = claim
    # the watchdog writes where output capture never redirects
    config.stash[_stderr_key] = os.dup(sys.__stderr__.fileno())


def hang_limit(item) -> float | None:
    """Seconds after which `item` counts as hung: its pytest-timeout plus the grace (its
    signal had its chance); None where no timeout applies."""
    marker = item.get_closest_marker("timeout")
    limit = marker.args[0] if marker and marker.args else item.config.getini("timeout")
    limit = float(limit or 0)
    return limit + float(item.config.getini("hang_grace")) if limit > 0 else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    limit = hang_limit(item)
    if limit is not None:
        faulthandler.dump_traceback_later(limit, file=item.config.stash[_stderr_key], exit=True)
    try:
        return (yield)
    finally:
        if limit is not None:
            faulthandler.cancel_dump_traceback_later()


def pytest_report_header(config):
    domain = config.stash[_claim_key].domain_id
    return f"ROS isolation: ROS_DOMAIN_ID={domain}, discovery LOCALHOST"


def pytest_unconfigure(config):
    processes.stop_all()
    if _claim_key in config.stash:
        config.stash[_claim_key].close()
    if _stderr_key in config.stash:
        os.close(config.stash[_stderr_key])


@pytest.fixture
def ros():
    harness = RosHarness()
    yield harness
    harness.close()


@pytest.fixture
def start_node(request):
    """Factory: start_node(package, executable, params={...}) -> NodeProcess."""
    started = []

    def start(package, executable, **kwargs):
        process = processes.NodeProcess(package, executable, **kwargs)
        started.append(process)
        return process

    yield start
    failed = request.node.stash.get(_failed_key, False)
    for process in started:
        alive = process.is_alive()
        process.stop()
        if failed:
            # Straight to the terminal: a passing teardown's captured output is never shown,
            # and a failed fixture setup has no other place for the nodes' last words
            # (stderr: a pytest-xdist worker's stdout is the controller's channel).
            with _capture_disabled(request.config):
                print(
                    f"\n----- output of {process} (alive at teardown: {alive}) -----",
                    process.output()[-4000:],
                    sep="\n",
                    file=sys.stderr,
                    flush=True,
                )
        process.discard_log()


def _capture_disabled(config):
    capture = config.pluginmanager.getplugin("capturemanager")
    return capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when in ("setup", "call") and report.failed:  # a fixture that timed out too
        item.stash[_failed_key] = True
    return report
