# The README's two commands: `make demo` (the main job, end to end) and `make test` (what CI runs).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup test test-fast demo bench clean

setup:
	@bash scripts/setup.sh

test: setup
	$(VENV)/bin/pytest -q

# Skips the tests that drive npm, Prometheus and other external tools.
test-fast: setup
	$(VENV)/bin/pytest -q -m "not slow"

demo: setup
	$(PY) -m companyos.demo

bench: setup
	$(PY) benchmarks/bench_program.py

clean:
	rm -rf .work out .pytest_cache
