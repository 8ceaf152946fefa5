"""Start a graph's nodes as processes, as `ros2 launch` would (where launch is missing).

Each node's output goes to <log_dir>/<executable>.log; Ctrl-C (or the end of `duration`)
stops them all: SIGINT, then SIGTERM, then SIGKILL.
"""

import os
import pathlib
import signal
import subprocess
import time

from uniintervene_bringup.graph import load_graph, ros_arguments


class GraphRunner:
    def __init__(self, graph: str, log_dir="logs", **graph_options):
        self.specs = load_graph(graph, **graph_options)
        self.log_dir = pathlib.Path(log_dir)
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.specs:
            if not os.access(spec.path, os.X_OK):
                self.stop()
                raise FileNotFoundError(
                    f"{spec.package} has no executable {spec.executable} "
                    f"({spec.path}): run make setup"
                )
            prefix = f"{spec.namespace}." if spec.namespace else ""
            log = open(self.log_dir / f"{prefix}{spec.executable}.log", "wb")
            command = [str(spec.path), "--ros-args", *ros_arguments(spec)]
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.processes.append((spec.executable, process))

    def dead(self) -> list[str]:
        return [name for name, process in self.processes if process.poll() is not None]

    def stop(self) -> None:
        for sig, wait in ((signal.SIGINT, 5.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
            alive = [(n, p) for n, p in self.processes if p.poll() is None]
            for _, process in alive:
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + wait
            while any(p.poll() is None for _, p in alive) and time.monotonic() < deadline:
                time.sleep(0.05)
        self.processes.clear()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
