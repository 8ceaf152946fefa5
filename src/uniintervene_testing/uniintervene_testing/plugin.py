"""pytest plugin shared by every package's tests (loaded by the root conftest.py).

- Each test session (each xdist worker) claims a DDS domain of its own and restricts
  discovery to localhost, before any rclpy context exists.
- `ros` gives a test an rclpy node with waiting helpers (harness.RosHarness).
- `start_node` starts node processes from their installed entry points and stops every
  one of them when the test ends, pass or fail; a crash of the test runner takes them
  along (PR_SET_PDEATHSIG).
"""

import contextlib

import pytest

from uniintervene_testing import processes
from uniintervene_testing.domain import DomainClaim, claim_domain, isolate_environment
from uniintervene_testing.harness import RosHarness

_claim_key = pytest.StashKey[DomainClaim]()
_failed_key = pytest.StashKey[bool]()


def pytest_configure(config):
    claim = claim_domain()
    isolate_environment(claim.domain_id)
    config.stash[_claim_key] = claim


def pytest_report_header(config):
    domain = config.stash[_claim_key].domain_id
    return f"ROS isolation: ROS_DOMAIN_ID={domain}, discovery LOCALHOST"


def pytest_unconfigure(config):
    processes.stop_all()
    if _claim_key in config.stash:
        config.stash[_claim_key].close()


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
            # and a failed fixture setup has no other place for the nodes' last words.
            with _capture_disabled(request.config):
                print(f"\n----- output of {process} (alive at teardown: {alive}) -----")
                print(process.output()[-4000:], flush=True)
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
