"""Point the ROS 2 wheels' installed CMake files at this interpreter.

The PyPI wheels of ROS 2 Jazzy ship CMake config files (under <venv>/share) that hard-code
the build machine's interpreter, /opt/python/cpXY-cpXY. Interface packages fail at CMake
generate time until those paths name the local Python include dir, NumPy include dir and
prefix. Idempotent: a second run finds nothing to rewrite.
"""

import pathlib
import re
import sys
import sysconfig

import numpy

BUILD_PREFIX = re.compile(r"/opt/python/cp3\d+-cp3\d+")


def local_path_for(match_text: str) -> str:
    """Map one hard-coded path (prefix plus optional tail) to its local equivalent."""
    tail = BUILD_PREFIX.sub("", match_text, count=1)
    if "numpy/_core/include" in tail or "numpy/core/include" in tail:
        return numpy.get_include()
    if tail.startswith("/include/python"):
        return sysconfig.get_paths()["include"]
    return sys.prefix + tail


def rewrite(share_dir: pathlib.Path) -> int:
    pattern = re.compile(BUILD_PREFIX.pattern + r"[^\s\";)]*")
    changed = 0
    for path in share_dir.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        if not BUILD_PREFIX.search(text):
            continue
        new_text = pattern.sub(lambda m: local_path_for(m.group(0)), text)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(new_text)
        tmp.replace(path)
        changed += 1
    return changed


if __name__ == "__main__":
    share = pathlib.Path(sys.prefix) / "share"
    count = rewrite(share)
    print(f"fix_ros_wheel_paths: rewrote {count} file(s) under {share}")
