"""A node stopped while it is still starting ends quietly.

A node's first seconds go to importing its libraries (torch alone takes seconds), before
`node.run` installs the spin's signal handling. Ctrl-C or SIGTERM then (a terminal's
Ctrl-C while `ros2 launch` brings the cell up) would end it with a traceback and make
launch report "process has died". Each `nodes` package calls `exit_quietly_on_stop()`
first thing; `node.run` hands the signals back to rclpy. Only in a node's own process
(an installed executable, lib/uniintervene_<package>/<node>): a test importing a node
module keeps its Ctrl-C.
"""

import pathlib
import signal
import sys

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _exit_quietly(signum, frame):
    sys.exit(0)


def is_node_process(argv0: str | None = None) -> bool:
    program = pathlib.Path(sys.argv[0] if argv0 is None else argv0)
    return program.parent.name.startswith("uniintervene_") and program.parent.parent.name == "lib"


def exit_quietly_on_stop() -> None:
    if not is_node_process():
        return
    for number in STOP_SIGNALS:
        signal.signal(number, _exit_quietly)


def restore_stop_signals() -> None:
    """Python's own handling again (KeyboardInterrupt; SIGTERM's default), for rclpy."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
