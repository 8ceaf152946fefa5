"""Atomic file writes: readers see the old file or the new one, never half of either."""

import os
import pathlib
import tempfile


def atomic_write(path: pathlib.Path, write) -> None:
    """Call write(temporary_path), then rename over `path` (same folder, same filesystem)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
