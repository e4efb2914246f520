"""The parts of benchmarks/bench_service_throughput.py: the variants, one measured run, the report."""
