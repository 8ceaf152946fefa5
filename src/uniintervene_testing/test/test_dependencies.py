"""What each package imports is what its package.xml declares (so rosdep on a robot
computer installs it), dependencies point one way, and the robot-side nodes import no
simulator."""

import ast
import os
import pathlib
import subprocess
import sys

import pytest
import yaml
from catkin_pkg.package import parse_package

SRC = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = sorted(path.parent.name for path in SRC.glob("*/package.xml"))
PYTHON_PACKAGES = [name for name in PACKAGES if (SRC / name / "setup.py").exists()]

# Python module -> rosdep key. Keys not in rosdistro are defined in rosdep/uniintervene.yaml.
PIP_KEYS = {
    "numpy": "python3-numpy",
    "torch": "python3-torch",
    "safetensors": "python3-safetensors-pip",
    "mujoco": "python3-mujoco-pip",
    "gymnasium": "python3-gymnasium-pip",
    "faiss": "python3-faiss",
    "mcap": "python3-mcap-pip",
    "mcap_ros2": "python3-mcap-ros2-support-pip",
    "matplotlib": "python3-matplotlib",
    "tqdm": "python3-tqdm",
    "yaml": "python3-yaml",
    "scipy": "python3-scipy",
    "cv2": "python3-opencv",
    "transformers": "python3-transformers-pip",
    "catkin_pkg": "python3-catkin-pkg",
    "pytest": "python3-pytest",
    "ray": "python3-ray-pip",  # optional: a conditional exec_depend
}
OUR_KEYS = {
    "python3-safetensors-pip",
    "python3-mcap-pip",
    "python3-mcap-ros2-support-pip",
    "python3-ray-pip",
}
# The order of the layers (DESIGN: msgs <- common <- {sim, critic <- recovery, critic <-
# learner, supervisor} <- bringup, and the experiments and the command line on top); a
# package may depend only on lower layers.
LAYER = {
    "uniintervene_msgs": 0,
    "uniintervene_common": 1,
    "uniintervene_testing": 2,  # the test harness: nodes of its own on the common runner
    "uniintervene_sim": 2,
    "uniintervene_critic": 2,
    "uniintervene_supervisor": 2,
    "uniintervene_recovery": 3,
    "uniintervene_learner": 3,
    "uniintervene_bringup": 4,
    "uniintervene_experiments": 5,
}
ROBOT_SIDE_NODES = [
    "uniintervene_critic.nodes.critic_node",
    "uniintervene_recovery.nodes.recovery_node",
    "uniintervene_supervisor.nodes.supervisor_node",
    "uniintervene_supervisor.nodes.teleop_node",
    "uniintervene_supervisor.nodes.gripper_io_node",
    "uniintervene_learner.nodes.learner_node",
    "uniintervene_learner.nodes.actor_node",
    "uniintervene_learner.nodes.reward_node",
]


def imported_modules(package: str) -> set[str]:
    """Top-level names of every module the package's code imports (lazy imports too)."""
    names = set()
    for path in (SRC / package / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {package}


def declared(package: str) -> set[str]:
    parsed = parse_package(str(SRC / package))
    return {dep.name for dep in parsed.exec_depends + parsed.build_export_depends}


@pytest.mark.parametrize("package", PYTHON_PACKAGES)
def test_package_xml_declares_every_import(package):
    wanted = {PIP_KEYS.get(module, module) for module in imported_modules(package)}
    missing = wanted - declared(package)
    assert not missing, f"{package}/package.xml lacks exec_depend {sorted(missing)}"


@pytest.mark.parametrize("package", PYTHON_PACKAGES)
def test_workspace_dependencies_point_one_way(package):
    workspace = declared(package) & set(PACKAGES)
    upward = {dep for dep in workspace if LAYER[dep] >= LAYER[package]}
    assert not upward, f"{package} depends on {sorted(upward)} (same or higher layer)"


def test_the_rosdep_keys_rosdistro_lacks_are_in_our_rosdep_file():
    rules = yaml.safe_load((SRC.parent / "rosdep" / "uniintervene.yaml").read_text())
    assert set(rules) == OUR_KEYS
    for key, rule in rules.items():
        assert rule["ubuntu"]["pip"]["packages"], key


def test_robot_side_nodes_import_without_the_simulator():
    """mujoco made unimportable: every node a robot computer runs still imports, and none
    pulls in uniintervene_sim (or its MUJOCO_GL side effect)."""
    script = (
        "import importlib, os, sys\n"
        "sys.modules['mujoco'] = None  # import mujoco -> ImportError\n"
        f"for name in {ROBOT_SIDE_NODES!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('uniintervene_sim'))\n"
        "assert not loaded, loaded\n"
        "assert 'MUJOCO_GL' not in os.environ\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MUJOCO_GL"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_blocking_mujoco_is_a_real_check():
    """The same script fails for a module that does need the simulator."""
    script = "import sys\nsys.modules['mujoco'] = None\nimport uniintervene_sim.cell\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=120, check=False
    )
    assert done.returncode != 0
