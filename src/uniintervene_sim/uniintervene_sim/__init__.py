"""Simulated UR7e workcell (MuJoCo), tasks, operator and base policy."""
