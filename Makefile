# The README's two commands: `make demo` (the main job, end to end) and `make test` (what CI runs).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup lint test test-fast demo bench reliability clean

setup:
	@bash scripts/setup.sh

# ruff (lint + format) and mypy, configured in pyproject.toml; `make test` runs it first.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: setup lint
	$(VENV)/bin/pytest -q --ignore=tests/reliability

# Skips the tests that drive npm, Prometheus and other external tools.
test-fast: setup
	$(VENV)/bin/pytest -q -m "not slow" --ignore=tests/reliability

demo: setup
	$(PY) -m companyos.release.demo

# Every benchmark with its comparator in the same run; writes benchmarks/RESULTS.md and the README's
# Performance section (benchmarks/run.py --only/--skip for a part).
bench: setup
	$(PY) benchmarks/run.py

reliability: setup
	$(VENV)/bin/pytest -q tests/reliability

clean:
	rm -rf .work out .pytest_cache
