"""Intervention memory and goal-conditioned recovery policy."""
