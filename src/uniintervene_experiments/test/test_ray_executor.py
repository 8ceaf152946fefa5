"""`uniintervene experiment --executor ray`: a Ray head on the loopback address, a tiny
sweep through it (HiL-SERL, UniIntervene and a control that waits for UniIntervene's
run), the run folders gathered here, then a resume that runs nothing, a call with
another budget that is refused, and runs that fail on their node."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from uniintervene_experiments.experiment import RunSpec, finished

ray = pytest.importorskip("ray")
SYSTEMS = ("hil_serl", "uniintervene", "zero_recovery")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def ray_head(cpus: int = 2):
    """`ray start --head --block` on 127.0.0.1; SIGTERM ends it and every Ray process
    it started. Its temp folder is short: Ray's socket paths must fit 107 bytes."""
    port, temp = free_port(), tempfile.mkdtemp(prefix="ray")
    head = subprocess.Popen(
        ["ray", "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
         f"--num-cpus={cpus}", "--include-dashboard=false", "--disable-usage-stats",
         f"--temp-dir={temp}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(["ray", "status", f"--address=127.0.0.1:{port}"],
                             capture_output=True, check=False).returncode != 0:  # fmt: skip
            assert head.poll() is None and time.monotonic() < deadline, "no Ray head came up"
            time.sleep(1.0)
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        head.wait(timeout=60)
        shutil.rmtree(temp, ignore_errors=True)


def experiment(address: str, out, models, steps: int = 40) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["uniintervene", "experiment", "--executor", "ray", "--address", address,
         "--tasks", "pick_eggplant", "--systems", ",".join(SYSTEMS), "--seeds", "0",
         "--steps", str(steps), "--demos", "1", "--hidden", "16", "16", "--batch-size", "8",
         "--eval-every", "40", "--eval-episodes", "1", "--final-eval-episodes", "1",
         "--models", str(models), "--out", str(out)],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def test_a_tiny_sweep_runs_as_ray_tasks_and_its_run_folders_come_back(tmp_path, tiny_model_dir):
    out = tmp_path / "experiment"
    with ray_head() as address:
        done = experiment(address, out, tiny_model_dir)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "3 runs planned, 0 already finished, 3 to run" in done.stdout
        for system in SYSTEMS:
            spec = RunSpec("pick_eggplant", system, 0)
            assert finished(out, spec), (system, done.stdout[-2000:])
            folder = spec.folder(out)
            assert (folder / "learning_curve.png").stat().st_size > 1000
            # the buffers and the checkpoint stay on the node
            assert not (folder / "prior").exists() and not list(folder.glob("*.safetensors"))
            log = (out / "logs" / f"pick_eggplant_{system}_seed0.log").read_text()
            assert f"{system} on pick_eggplant" in log, log[-1000:]
        # the control ran at the rate UniIntervene's run measured, read from its summary
        made = json.loads((RunSpec("pick_eggplant", "zero_recovery", 0).folder(out)
                           / "summary.json").read_text())  # fmt: skip
        reference = json.loads((RunSpec("pick_eggplant", "uniintervene", 0).folder(out)
                                / "summary.json").read_text())  # fmt: skip
        assert made["config"]["control_rates"] == reference["control_rates"]
        assert (out / "results.md").exists()

        again = experiment(address, out, tiny_model_dir)
        assert again.returncode == 0 and "3 already finished, 0 to run" in again.stdout
        other = experiment(address, out, tiny_model_dir, steps=80)
        assert other.returncode != 0 and "use another --out" in other.stderr, other.stderr

        # runs that fail on their node are reported with their logs; the control that
        # waits for a failed UniIntervene run fails without running
        (tmp_path / "no_critic").mkdir()
        broken = experiment(address, tmp_path / "broken", tmp_path / "no_critic")
        assert "3 runs failed" in broken.stdout, broken.stdout[-3000:]
        assert "zero_recovery/seed0 (no UniIntervene reference)" in broken.stdout
        log = (tmp_path / "broken" / "logs" / "pick_eggplant_hil_serl_seed0.log").read_text()
        assert "no critic model at" in log, log[-2000:]
