"""How long the Pulumi program takes under mocks for 1, 10 and 100 stanzas, and what each stanza becomes.

Each size runs in a fresh subprocess (as `pulumi preview` starts a fresh language host), so the wall time
includes interpreter start and imports, and peak RSS is that process's own (VmHWM: getrusage's ru_maxrss
would carry over this process's peak through exec). Prints a table and, with
`--json PATH`, writes the figures (benchmarks/results.py); no asserts.

Run: .venv/bin/python benchmarks/bench_program.py [--sizes 1,10,100] [--runs 3] [--json PATH]"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, write_figures  # noqa: E402
from benchmarks.synthetic_catalog import write_synthetic_catalog  # noqa: E402

GROUP = "program under mocks"

CHILD = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from companyos.preview.program_run import run_program
imported = time.perf_counter()
run = run_program(Path(sys.argv[1]), stack="bench", config={"paved-road:catalog": sys.argv[2], "paved-road:releasesDir": sys.argv[3]})
done = time.perf_counter()
assert run.error is None, run.error
print(json.dumps({"resources": len(run.resources), "types": [r.type for r in run.resources],
                  "import_s": imported - started, "program_s": done - imported,
                  "peak_rss_mb": next(int(line.split()[1]) for line in open("/proc/self/status")
                                      if line.startswith("VmHWM:")) / 1024}))
"""


@dataclass
class SizeResult:
    stanzas: int
    resources: int
    types: Counter[str]
    program_s: list[float]
    import_s: list[float]
    rss_mb: list[float]


def measure(count: int, runs: int) -> SizeResult:
    with tempfile.TemporaryDirectory() as temp:
        catalog, releases, _ = write_synthetic_catalog(Path(temp), count)
        samples = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(ROOT), str(catalog), str(releases)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return SizeResult(
        stanzas=count,
        resources=samples[0]["resources"],
        types=Counter(samples[0]["types"]),
        program_s=[s["program_s"] for s in samples],
        import_s=[s["import_s"] for s in samples],
        rss_mb=[s["peak_rss_mb"] for s in samples],
    )


def figures(results: list[SizeResult]) -> list[Figure]:
    found: list[Figure] = []
    for r in results:
        stanzas = f"{r.stanzas} stanza{'s' if r.stanzas != 1 else ''}"
        found.append(
            Figure(
                GROUP,
                f"program, {stanzas}",
                "s",
                r.program_s,
                note=f"{r.resources} resources; fresh interpreter per run, imports excluded",
            )
        )
        found.append(Figure(GROUP, f"peak RSS, {stanzas}", "MB", r.rss_mb))
    found.append(
        Figure(
            GROUP,
            "imports (companyos.preview.program_run, before the program)",
            "s",
            [s for r in results for s in r.import_s],
        )
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the figures here (benchmarks/results.py)")
    args = parser.parse_args()
    results = [measure(int(size), args.runs) for size in args.sizes.split(",")]
    one = results[0]
    per_service = {t: n // one.stanzas for t, n in sorted(one.types.items())}
    print(f"Resources per released stanza: {sum(per_service.values())}")
    for type_token, n in per_service.items():
        print(f"  {n:>2}  {type_token}")
    print(
        f"\n{'stanzas':>8} {'resources':>10} {'program s (median, min-max)':>30} {'imports s':>10} {'peak RSS MB':>12}"
    )
    for r in results:
        spread = f"{statistics.median(r.program_s):.2f} ({min(r.program_s):.2f}-{max(r.program_s):.2f})"
        print(
            f"{r.stanzas:>8} {r.resources:>10} {spread:>30} {statistics.median(r.import_s):>10.2f} "
            f"{max(r.rss_mb):>12.0f}"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(
            f"\nper stanza at {last.stanzas}: {statistics.median(last.program_s) / last.stanzas * 1000:.1f} ms "
            f"(at {first.stanzas}: {statistics.median(first.program_s) / first.stanzas * 1000:.1f} ms)"
        )
    if args.json:
        write_figures(args.json, "bench_program", figures(results))
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
