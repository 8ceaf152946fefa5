"""Arbitration, safety filter, episode recording, teleop."""
