# The README's two commands: `make demo` (the main job, end to end) and `make test` (what CI runs).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup test test-fast demo bench reliability clean

setup:
	@bash scripts/setup.sh

test: setup
	$(VENV)/bin/pytest -q

# Skips the tests that drive npm, Prometheus and other external tools.
test-fast: setup
	$(VENV)/bin/pytest -q -m "not slow"

demo: setup
	$(PY) -m companyos.demo

# Each script prints its figures with its comparator measured in the same run.
bench: setup
	$(PY) benchmarks/bench_program.py
	$(PY) benchmarks/bench_gate.py --sizes 1,10,100
	$(PY) benchmarks/bench_sign_verify.py
	$(PY) benchmarks/bench_slo_rules.py
	$(PY) benchmarks/bench_sbom.py
	$(PY) benchmarks/bench_scaffold.py
	$(PY) benchmarks/bench_service_throughput.py

reliability: setup
	$(VENV)/bin/pytest -q tests/template tests/supply_chain_e2e tests/catalog tests/policy_gate

clean:
	rm -rf .work out .pytest_cache
