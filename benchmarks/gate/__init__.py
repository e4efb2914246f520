"""The parts of benchmarks/bench_gate.py: what it measures on, the packs, part 1, part 2 and the report."""
