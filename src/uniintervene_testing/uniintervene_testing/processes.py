"""Start ROS node processes from their installed entry points, and always stop them."""

import atexit
import ctypes
import os
import pathlib
import signal
import subprocess
import tempfile
import time

from ament_index_python.packages import get_package_prefix

_RUNNING: "list[NodeProcess]" = []
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends SIGTERM if the test runner dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def executable_path(package: str, executable: str) -> pathlib.Path:
    """Where `ros2 run package executable` would find the program."""
    path = pathlib.Path(get_package_prefix(package)) / "lib" / package / executable
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"{package} has no installed executable {executable!r} ({path})")
    return path


class NodeProcess:
    """One node process, its output captured to a log file for failure messages."""

    def __init__(
        self,
        package: str,
        executable: str,
        *,
        ros_args=(),
        params=None,
        args=(),
        env=None,
        name=None,
    ):
        self.package = package
        self.executable = executable
        self.name = name or executable
        command = [str(executable_path(package, executable)), *args]
        ros_arguments = list(ros_args)
        for key, value in (params or {}).items():
            ros_arguments += ["-p", f"{key}:={_param_text(value)}"]
        if ros_arguments:
            command += ["--ros-args", *ros_arguments]
        self.command = command
        self.log_path = pathlib.Path(tempfile.mkstemp(prefix=f"{self.name}-", suffix=".log")[1])
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            # Only prctl runs in the child before exec: safe despite threads.
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        _RUNNING.append(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def send_signal(self, sig: int) -> None:
        if self.is_alive():
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 5.0) -> int:
        """SIGINT (a clean shutdown), then SIGTERM, then SIGKILL; returns the exit code."""
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
            if not self.is_alive():
                break
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.popen.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        self._reap_group()
        self._log.close()
        if self in _RUNNING:
            _RUNNING.remove(self)
        return self.popen.returncode

    def discard_log(self) -> None:
        """Delete the captured output (a finished test's: thousands would pile up in /tmp)."""
        self.log_path.unlink(missing_ok=True)

    def kill(self) -> int:
        """Die abruptly, as a crashed node would (no shutdown handlers run)."""
        self.send_signal(signal.SIGKILL)
        return self.stop()

    def _reap_group(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)  # stragglers of the process group
        except (ProcessLookupError, PermissionError):
            pass
        if self.popen.returncode is None:
            self.popen.wait(2.0)

    def __repr__(self) -> str:
        state = "running" if self.is_alive() else f"exited {self.popen.returncode}"
        return f"<NodeProcess {self.package}/{self.executable} pid={self.pid} {state}>"


def _param_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_param_text(v) for v in value) + "]"
    return str(value) if value != "" else "''"  # `-p name:=` alone does not parse


def stop_all() -> None:
    for process in list(_RUNNING):
        process.stop(timeout=2.0)


def running() -> "list[NodeProcess]":
    return list(_RUNNING)


def wait_for_exit(process: NodeProcess, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.is_alive():
            return process.popen.returncode
        time.sleep(0.05)
    return None


atexit.register(stop_all)
