"""Where `uniintervene experiment` runs its training runs: local processes (the default,
`--jobs` at a time) or Ray tasks on a cluster (`--executor ray [--address ADDR]`).

Both take a run (`start`), report the runs that ended (`ended`: spec and whether the
process exited cleanly) and stop what still runs (`stop`, on Ctrl-C or any exit); the
experiment decides what is finished from the run folder's summary, as before.

A Ray task runs `uniintervene hilrl` on whichever node Ray picks, in a scratch folder of
its own: the models go to it through Ray's object store (once per experiment), a
control's reference summary with the task, and the run folder's files come back (summary,
curves, trigger timing; not the buffers or checkpoints, which stay on the node and are
deleted with the scratch folder). Ray is optional: `pip install "ray==2.58.0"`.
"""

import ctypes
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile

from uniintervene_common.atomic import atomic_write

EXECUTORS = ("local", "ray")
RAY_INSTALL = 'pip install "ray==2.58.0"'
_PR_SET_PDEATHSIG = 1


def hilrl_argv(spec, out: pathlib.Path, options: list[str], models) -> list[str]:
    command = [
        sys.executable, "-m", "uniintervene_experiments.cli", "hilrl",
        "--task", spec.task, "--system", spec.system, "--seed", str(spec.seed),
        "--out", str(spec.folder(out)), *options, "--models", str(models),
    ]  # fmt: skip
    if spec.reference() is not None:
        command += ["--reference", str(spec.reference().folder(out) / "summary.json")]
    return command


def log_path(out: pathlib.Path, spec) -> pathlib.Path:
    return out / "logs" / f"{spec.name.replace('/', '_')}.log"


def start_process(command: list[str], log: pathlib.Path) -> subprocess.Popen:
    """One run on one core (OMP_NUM_THREADS=1), its output to `log`; it dies with us."""
    with open(log, "w") as stream:  # the child keeps its own handle
        return subprocess.Popen(
            command,
            stdout=stream,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
            preexec_fn=_die_with_parent,  # noqa: PLW1509 (no threads started here)
        )


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_processes(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class LocalExecutor:
    """`jobs` processes at a time on this computer."""

    def __init__(self, out: pathlib.Path, options: list[str], models, jobs: int):
        self.out, self.options, self.models, self.jobs = out, options, models, jobs
        self.running: dict = {}

    def free(self) -> int:
        return self.jobs - len(self.running)

    def start(self, spec) -> None:
        """An unfinished run's folder is started again from nothing."""
        shutil.rmtree(spec.folder(self.out), ignore_errors=True)
        log = log_path(self.out, spec)
        command = hilrl_argv(spec, self.out, self.options, self.models)
        self.running[spec] = start_process(command, log)
        print(f"started {spec.name} (log {log})", flush=True)

    def ended(self) -> list[tuple]:
        done = []
        for spec, process in list(self.running.items()):
            if process.poll() is not None:
                del self.running[spec]
                done.append((spec, process.returncode == 0))
        return done

    def stop(self) -> None:
        stop_processes(self.running.values())
        self.running.clear()


def read_folder(folder: pathlib.Path) -> dict[str, bytes]:
    """Every file under `folder`, by its path relative to it."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def write_folder(folder: pathlib.Path, files: dict[str, bytes]) -> None:
    """Write `files` under `folder`, each atomically; summary.json last, so a run that is
    half written never counts as finished."""
    for name in sorted(files, key=lambda n: n == "summary.json"):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp, data=files[name]: pathlib.Path(tmp).write_bytes(data))


def results_of(folder: pathlib.Path) -> dict[str, bytes]:
    """What comes back from a run folder: its top-level files but the weights."""
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix != ".safetensors"
    }


def run_in_scratch(spec, options: list[str], models: dict, reference_summary: bytes | None):
    """A Ray task's body: the run in a scratch folder; (exit code, files, log text)."""
    with tempfile.TemporaryDirectory(prefix="uniintervene_run_") as scratch_name:
        scratch = pathlib.Path(scratch_name)
        write_folder(scratch / "models", models)
        out = scratch / "out"
        if reference_summary is not None:
            write_folder(spec.reference().folder(out), {"summary.json": reference_summary})
        log = scratch / "run.log"
        process = start_process(hilrl_argv(spec, out, options, scratch / "models"), log)
        try:
            code = process.wait()
        finally:  # a cancelled task (Ctrl-C on the driver) takes its run along
            stop_processes([process])
        folder = spec.folder(out)
        files = results_of(folder) if folder.exists() else {}
        return code, files, log.read_text(errors="replace")


class RayExecutor:
    """Each run a Ray task of one CPU, on the cluster at `address` (None: a Ray started
    here for this experiment). Ray queues what the cluster cannot take yet."""

    def __init__(self, out: pathlib.Path, options: list[str], models, address: str | None):
        try:
            import ray
        except ImportError as error:
            raise SystemExit(f"--executor ray needs Ray: {RAY_INSTALL}") from error
        if not pathlib.Path(models).is_dir():
            raise SystemExit(f"no models folder at {models}")
        self.ray, self.out, self.options = ray, out, options
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
        self.task = ray.remote(num_cpus=1, max_retries=0)(run_in_scratch)
        self.models = ray.put(read_folder(pathlib.Path(models)))
        self.running: dict = {}  # ObjectRef -> RunSpec

    def free(self) -> int:
        return 1_000_000  # Ray holds what the cluster has no CPU for yet

    def start(self, spec) -> None:
        reference = None
        if spec.reference() is not None:
            reference = (spec.reference().folder(self.out) / "summary.json").read_bytes()
        shutil.rmtree(spec.folder(self.out), ignore_errors=True)
        ref = self.task.remote(spec, self.options, self.models, reference)
        self.running[ref] = spec
        print(f"submitted {spec.name} to Ray", flush=True)

    def ended(self) -> list[tuple]:
        if not self.running:
            return []
        ready, _ = self.ray.wait(list(self.running), num_returns=len(self.running), timeout=0)
        done = []
        for ref in ready:
            spec = self.running.pop(ref)
            try:
                code, files, log = self.ray.get(ref)
            except self.ray.exceptions.RayError as error:  # the task or its node died
                code, files, log = -1, {}, f"Ray task failed: {error}\n"
            write_folder(spec.folder(self.out), files)
            atomic_write(log_path(self.out, spec), lambda t, s=log: pathlib.Path(t).write_text(s))
            done.append((spec, code == 0))
        return done

    def stop(self) -> None:
        for ref in self.running:
            self.ray.cancel(ref)  # KeyboardInterrupt in the task: its run is stopped
        self.running.clear()
        self.ray.shutdown()
