# The shared ROS test harness (per-session DDS domain, node processes, waiting helpers).
pytest_plugins = ["uniintervene_testing.plugin"]
