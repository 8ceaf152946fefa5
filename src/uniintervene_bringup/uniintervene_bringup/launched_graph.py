"""Start a graph's nodes through launch (its Python API), as `ros2 launch` does.

launch runs only in a main thread, so the graph's LaunchService runs in a process of its
own (`python -m uniintervene_bringup.launched_graph`), and `LaunchedGraph` is the handle
`uniintervene run`, `uniintervene live` and the multi-process tests hold: the same
interface as the fallback `runner.GraphRunner` (used where launch is not installed), the
same node specs (`graph.load_graph`), each node's output in <log_dir>/<ns.>executable.log,
and Ctrl-C handled by launch (SIGINT to every node, SIGTERM and SIGKILL after it).
"""

import argparse
import importlib.util
import json
import os
import pathlib
import signal
import subprocess
import sys

from uniintervene_bringup.graph import NodeSpec, load_graph

SHUTDOWN_SECONDS = "20"  # a node's time to stop after SIGINT, before launch's SIGTERM
EXITS = "exits.jsonl"  # one line per node that ended: {"node": name, "returncode": code}


def launch_available() -> bool:
    return all(importlib.util.find_spec(name) for name in ("launch", "launch_ros"))


def log_name(spec: NodeSpec) -> str:
    return f"{spec.namespace}.{spec.executable}" if spec.namespace else spec.executable


class LaunchedGraph:
    """The graph's nodes under one LaunchService in a child process."""

    def __init__(self, graph: str, log_dir="logs", **graph_options):
        self.graph, self.options = graph, graph_options
        self.specs = load_graph(graph, **graph_options)  # a bad graph fails here, at once
        self.log_dir = pathlib.Path(log_dir)
        self.process: subprocess.Popen | None = None
        self.exits = self.log_dir / f"{self._prefix()}{EXITS}"

    def _prefix(self) -> str:
        namespace = self.options.get("namespace", "").strip("/")
        return f"{namespace}." if namespace else ""

    @property
    def processes(self) -> list[NodeSpec]:
        return self.specs if self.process is not None else []

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.exits.unlink(missing_ok=True)
        options = {k: str(v) if isinstance(v, pathlib.Path) else v for k, v in self.options.items()}
        command = [
            sys.executable, "-m", "uniintervene_bringup.launched_graph", "--graph", self.graph,
            "--log-dir", str(self.log_dir), "--options", json.dumps(options),
        ]  # fmt: skip
        log = open(self.log_dir / f"{self._prefix()}launch.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()  # the child holds its own handle

    def dead(self) -> list[str]:
        """Nodes that have ended (all of them once launch itself has)."""
        if self.process is None:
            return []
        ended = []
        if self.exits.exists():
            ended = [json.loads(line)["node"] for line in self.exits.read_text().splitlines()]
        if self.process.poll() is not None:
            ended = sorted({*ended, *(spec.executable for spec in self.specs)})
        return ended

    def stop(self) -> None:
        """As Ctrl-C on `ros2 launch`: SIGINT to launch, which stops every node (SIGINT,
        then SIGTERM and SIGKILL after its timeouts); SIGKILL to the group as a last word."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=float(SHUTDOWN_SECONDS) + 15.0)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def graph_runner(graph: str, log_dir="logs", **graph_options):
    """Launch where it is installed; the home-made runner where not."""
    if launch_available():
        return LaunchedGraph(graph, log_dir, **graph_options)
    from uniintervene_bringup.runner import GraphRunner

    return GraphRunner(graph, log_dir, **graph_options)


def launch_node(spec: NodeSpec, output: str):
    """A graph node as a launch_ros Node (the launch files' and LaunchedGraph's)."""
    from launch_ros.actions import Node

    return Node(
        package=spec.package,
        executable=spec.executable,
        name=spec.executable,
        namespace=spec.namespace or None,
        remappings=list(spec.remappings.items()),
        parameters=[*map(str, spec.params), spec.overrides],
        output=output,
        # a node saving its data on Ctrl-C (the learner's buffers and checkpoint) may take
        # seconds on a loaded computer: launch's default 5 s would cut it short
        sigterm_timeout=SHUTDOWN_SECONDS,
    )


def description(specs: list[NodeSpec], log_dir: pathlib.Path, exits: pathlib.Path):
    """The launch description of the specs: launch_ros Nodes, each node's output written
    to its own log file, and every exit recorded (for LaunchedGraph.dead)."""
    from launch import LaunchDescription
    from launch.actions import RegisterEventHandler
    from launch.event_handlers import OnProcessExit, OnProcessIO

    actions = []
    for spec in specs:
        node = launch_node(spec, output="log")
        stream = open(log_dir / f"{log_name(spec)}.log", "ab", buffering=0)  # noqa: SIM115

        def write(event, stream=stream):
            stream.write(event.text)

        def exited(event, context, name=spec.executable, stream=stream):
            stream.close()
            with open(exits, "a") as record:
                record.write(json.dumps({"node": name, "returncode": event.returncode}) + "\n")

        actions += [
            node,
            RegisterEventHandler(OnProcessIO(target_action=node, on_stdout=write, on_stderr=write)),
            RegisterEventHandler(OnProcessExit(target_action=node, on_exit=exited)),
        ]
    return LaunchDescription(actions)


def main(argv=None) -> int:
    from launch import LaunchService

    parser = argparse.ArgumentParser(description="a graph of config/graph.yaml, launched")
    parser.add_argument("--graph", required=True)
    parser.add_argument("--log-dir", type=pathlib.Path, default=pathlib.Path("logs"))
    parser.add_argument("--options", default="{}", help="load_graph's options, JSON")
    args = parser.parse_args(argv)
    options = json.loads(args.options)
    specs = load_graph(args.graph, **options)
    namespace = options.get("namespace", "").strip("/")
    exits = args.log_dir / (f"{namespace}.{EXITS}" if namespace else EXITS)
    # A parent started from a shell without job control (`cmd &`, nohup, CI) hands SIGINT
    # down ignored, and Python keeps it so: launch would never hear stop()'s SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    service = LaunchService(argv=[])
    service.include_launch_description(description(specs, args.log_dir, exits))
    return service.run()


if __name__ == "__main__":
    sys.exit(main())
