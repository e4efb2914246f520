"""Cost of the policy gate: per resource (in-process and over gRPC), and whole preview+gate by catalogue size.

Run: .venv/bin/python benchmarks/bench_gate.py [--sizes 1,10,100,500] [--resources 1000] [--repeats 3]
       [--preview-repeats 1] [--pack DIR] [--policy-pack-config FILE] [--json PATH]
The defaults are what benchmarks/run.py runs: 8.5 minutes measured on the shared 2-core machine (load 3-6),
6 of them the 500-stanza preview; `--sizes 1,10,100` drops that and stays near 2.5 minutes.

Part 1, per resource, on the resources of whole synthetic stanzas (>= --resources; the program under mocks),
each figure measured --repeats times, interleaved with its comparator so both see the same machine load:
- the pack's Analyze handler called in-process (PolicyPack captured instead of served) and over gRPC through
  a GateSession (one channel, one Analyze per resource, as the engine does); comparator: the SDK floor, a
  pack of as many no-op ResourceValidationPolicy objects as the pack has resource rules, served the same
  way. pulumi_policy deserializes and proxies the props once per policy per resource (policy.py Analyze),
  so the floor bounds what any rule code can reach;
- the label and digest-pinning rules (kubernetes-governance-labels, image-pinned-by-digest) alone through
  the SDK in-process; comparator: the same two rules in Rego (benchmarks/rego/) evaluated by regopy, the
  rego-cpp bindings (regorus is not on this machine's PyPI mirror; why not a repackaged wheel:
  benchmarks/rego/comparator.py). Both judge the bench's resources and a copy broken on purpose, and must
  agree on which resources violate (the bench stops otherwise; tests/policies/test_rego_comparator.py
  checks the same on the pack's fixtures).
Part 2 runs `run_preview` (program + gate) in a fresh interpreter per size: wall time and peak RSS (VmHWM) of
the gate process plus the pack process (both peaks summed: an upper bound; the pack's sampled every 50 ms).
Goals (issue 4): <= 0.5 ms/resource over gRPC; 100 stanzas <= 6 s and <= 250 MB; t(500)/t(100) <= 5.5.
`--baseline REV` also measures the pack as it was at git revision REV, in the same run: per resource over gRPC,
and the 100-stanza preview (issue 13: no regression beyond 10%).
Printed and written with --json (benchmarks/results.py), never asserted.
Its parts: benchmarks/gate/ (inputs, packs, per_resource: part 1, preview: part 2, report).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gate.inputs import program_resources, with_trusted_key  # noqa: E402
from benchmarks.gate.packs import REAL_PACK, TEST_PACK, extract_baseline  # noqa: E402
from benchmarks.gate.per_resource import per_resource  # noqa: E402
from benchmarks.gate.preview import whole_preview  # noqa: E402
from benchmarks.gate.report import (  # noqa: E402
    BASELINE_SIZE,
    GROUP_PREVIEW,
    baseline_figure,
    preview_figures,
    print_per_resource,
    print_previews,
    resource_figures,
)
from benchmarks.results import write_figures  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,500", help="stanza counts for part 2 ('' skips it)")
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each per-resource figure")
    parser.add_argument("--preview-repeats", type=int, default=1, help="runs of each preview size")
    parser.add_argument(
        "--pack", type=Path, default=REAL_PACK if (REAL_PACK / "PulumiPolicy.yaml").exists() else TEST_PACK
    )
    parser.add_argument("--policy-pack-config", type=Path, help="--policy-pack-config for the pack (JSON)")
    parser.add_argument("--json", type=Path, help="write the figures here (benchmarks/results.py)")
    parser.add_argument("--baseline", help="git revision of the pack to measure beside this one (same run)")
    args = parser.parse_args()
    overrides = json.loads(args.policy_pack_config.read_text()) if args.policy_pack_config else {}
    started = time.perf_counter()
    print(f"pack: {args.pack}; load average at start {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")

    with tempfile.TemporaryDirectory() as temp:
        baseline = extract_baseline(args.baseline, Path(temp)) if args.baseline else None
        resources, public_pem = program_resources(args.resources, Path(temp))
        measured = per_resource(
            args.pack,
            resources,
            with_trusted_key(overrides, args.pack, public_pem, baseline),
            args.repeats,
            Path(temp),
            baseline,
        )
        print_per_resource(measured)
        figures = resource_figures(measured)

        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        rows = [whole_preview(size, args.pack, overrides) for size in sizes for _ in range(args.preview_repeats)]
        before = (
            [whole_preview(BASELINE_SIZE, baseline, overrides, real=True) for _ in range(args.preview_repeats)]
            if baseline is not None and BASELINE_SIZE in sizes
            else []
        )
    if rows:
        print_previews(rows)
        figures += preview_figures(rows)
        if before:
            print("  the pack before (--baseline):")
            print_previews(before)
            figures.append(baseline_figure(rows, before))
        for figure in figures:
            if figure.group == GROUP_PREVIEW and figure.goal:
                print(
                    f"  {figure.name}: {figure.median:.2f} {figure.unit} (goal {figure.goal}: "
                    f"{'met' if figure.goal_met else 'NOT met'})"
                )
    print(f"\nbench_gate took {time.perf_counter() - started:.0f} s; load average at end {os.getloadavg()[0]:.1f}")
    if args.json:
        write_figures(args.json, "bench_gate", figures)
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
