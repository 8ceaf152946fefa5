import signal

# The shared ROS test harness (per-session DDS domain, node processes, waiting helpers).
pytest_plugins = ["uniintervene_testing.plugin"]

# A shell without job control (`make test &`, nohup, CI) starts pytest with SIGINT ignored,
# and every process it starts would inherit that: `ros2 launch` would never hear Ctrl-C.
# A handled signal is reset to the default across exec, so children behave as in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
