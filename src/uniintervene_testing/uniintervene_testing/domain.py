"""Give each test session (or pytest-xdist worker) a DDS domain of its own.

A domain id is claimed by holding an exclusive lock on a file in the temp dir, so two
sessions on one machine (a developer's and CI's, or two xdist workers) never share DDS
traffic. Discovery is restricted to this host.
"""

import fcntl
import os
import random
import tempfile

# ROS 2 documents 0..101 as the domain ids that are safe on Linux for any participant count.
SAFE_DOMAIN_IDS = range(1, 102)


class DomainClaim:
    """An exclusively held ROS domain id; released when closed or when the process ends."""

    def __init__(self, domain_id: int, lock_file):
        self.domain_id = domain_id
        self._lock_file = lock_file

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def claim_domain(rng_seed: int | None = None) -> DomainClaim:
    """Claim a free domain id; raise RuntimeError when every safe id is taken."""
    candidates = list(SAFE_DOMAIN_IDS)
    random.Random(rng_seed if rng_seed is not None else os.getpid()).shuffle(candidates)
    for domain_id in candidates:
        path = os.path.join(tempfile.gettempdir(), f"uniintervene-ros-domain-{domain_id}.lock")
        lock_file = open(path, "w")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            continue
        return DomainClaim(domain_id, lock_file)
    raise RuntimeError("no free ROS domain id in 1..101: too many test sessions on this host")


def isolate_environment(domain_id: int, environ=os.environ) -> None:
    """Set the variables every rclpy context and child process reads at start-up."""
    environ["ROS_DOMAIN_ID"] = str(domain_id)
    environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    environ.pop("ROS_STATIC_PEERS", None)
    environ.pop("ROS_LOCALHOST_ONLY", None)  # deprecated in Jazzy; conflicts with the above
    environ.setdefault("RCUTILS_COLORIZED_OUTPUT", "0")
    environ.setdefault("PYTHONUNBUFFERED", "1")
