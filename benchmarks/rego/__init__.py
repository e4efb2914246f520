"""Rego comparator of benchmarks/bench_gate.py: the label and digest rules in Rego, run by regopy."""
