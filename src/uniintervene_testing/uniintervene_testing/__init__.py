"""Test harness for UniIntervene's ROS code (see plugin.py for the pytest fixtures)."""
