"""Stand-ins for the real cell's upstream packages, so `ur7e.launch.py` can be executed
on a machine without them: an ament prefix with `ur_robot_driver`, `realsense2_camera`,
`moveit_servo`, `spacenav`, `rviz2`, `diagnostic_aggregator` and `ur_description`, whose
launch files and executables record what they were given (JSON lines in a record folder) instead of
driving hardware, and a `moveit_configs_utils` module with the one builder chain the
launch file uses. What reaches them is what would reach the real packages.
"""

import json
import os
import pathlib
import stat
import sys

# A stand-in launch file: records its launch arguments, starts nothing.
LAUNCH_FILE = """
import json, os
from launch import LaunchDescription
from launch.actions import OpaqueFunction

def record(context):
    path = os.path.join(os.environ["STANDIN_RECORD"], "{name}.jsonl")
    with open(path, "a") as stream:
        stream.write(json.dumps(dict(context.launch_configurations)) + "\\n")
    return []

def generate_launch_description():
    return LaunchDescription([OpaqueFunction(function=record)])
"""

# A stand-in executable: records its command line and the text of its parameter files;
# `exit_at_once` ones end (as wait_for_robot_description does once the description is
# there), the others run until signalled, like a driver.
EXECUTABLE = """#!{python}
import json, os, signal, sys, time
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
arguments = sys.argv[1:]
files = [arguments[i + 1] for i, a in enumerate(arguments[:-1]) if a == "--params-file"]
record = {{"arguments": arguments, "params": [open(f).read() for f in files]}}
path = os.path.join(os.environ["STANDIN_RECORD"], "{name}.jsonl")
with open(path, "a") as stream:
    stream.write(json.dumps(record) + "\\n")
if {exit_at_once}:
    sys.exit(0)
while True:
    time.sleep(0.2)
"""

MOVEIT_CONFIGS_UTILS = '''
class MoveItConfigsBuilder:
    """The chain ur7e.launch.py calls, recording what it was asked for."""

    def __init__(self, robot_name, package_name):
        self.values = {"robot_name": robot_name, "package_name": package_name}

    def robot_description_semantic(self, path, mappings):
        self.values |= {"srdf": str(path), "srdf_mappings": dict(mappings)}
        return self

    def to_moveit_configs(self):
        return self

    def to_dict(self):
        return {"robot_description_semantic": "stand-in " + repr(self.values)}
'''

LAUNCH_FILES = {
    "ur_robot_driver": "ur_control.launch.py",
    "realsense2_camera": "rs_launch.py",
}
EXECUTABLES = {  # package: {executable: exits at once}
    "ur_robot_driver": {"wait_for_robot_description": True},
    "moveit_servo": {"servo_node": False},
    "spacenav": {"spacenav_node": False},
    "rviz2": {"rviz2": False},
    "diagnostic_aggregator": {"aggregator_node": False},
}


def make_prefix(root: pathlib.Path) -> dict:
    """Write the stand-ins under `root`; returns the environment additions that put them
    on the ament index and the Python path (records go to root/record)."""
    prefix, python, record = root / "prefix", root / "python", root / "record"
    for folder in (prefix, python, record):
        folder.mkdir(parents=True, exist_ok=True)
    index = prefix / "share" / "ament_index" / "resource_index" / "packages"
    index.mkdir(parents=True, exist_ok=True)
    for package in {*LAUNCH_FILES, *EXECUTABLES}:
        (index / package).write_text("")
        (prefix / "share" / package).mkdir(parents=True, exist_ok=True)
    for package, launch_file in LAUNCH_FILES.items():
        launch = prefix / "share" / package / "launch"
        launch.mkdir(parents=True, exist_ok=True)
        (launch / launch_file).write_text(LAUNCH_FILE.format(name=package))
    for package, executables in EXECUTABLES.items():
        lib = prefix / "lib" / package
        lib.mkdir(parents=True, exist_ok=True)
        for name, exit_at_once in executables.items():
            path = lib / name
            path.write_text(
                EXECUTABLE.format(python=sys.executable, name=name, exit_at_once=exit_at_once)
            )
            path.chmod(path.stat().st_mode | stat.S_IXUSR)
    (python / "moveit_configs_utils.py").write_text(MOVEIT_CONFIGS_UTILS)
    # ur_description's factory kinematics: the default of ur_control's kinematics_params_file
    (index / "ur_description").write_text("")
    kinematics = prefix / "share" / "ur_description" / "config" / "ur7e"
    kinematics.mkdir(parents=True, exist_ok=True)
    (kinematics / "default_kinematics.yaml").write_text("kinematics: {}  # stand-in\n")
    return {
        "AMENT_PREFIX_PATH": f"{prefix}{os.pathsep}{os.environ.get('AMENT_PREFIX_PATH', '')}",
        "PYTHONPATH": f"{python}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "STANDIN_RECORD": str(record),
    }


def records(root: pathlib.Path, name: str) -> list:
    """What stand-in `name` (a package's launch file or an executable) was given, per start."""
    path = root / "record" / f"{name}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]
