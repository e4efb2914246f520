"""How long the Pulumi program takes under mocks for 1, 10 and 100 stanzas, and what each stanza becomes.

Each size runs in a fresh subprocess (as `pulumi preview` starts a fresh language host), so the wall time
includes interpreter start and imports, and peak RSS is that process's own. Prints a table; no asserts."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic_catalog import write_synthetic_catalog  # noqa: E402

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from pathlib import Path
from companyos.mock_run import run_program
imported = time.perf_counter()
run = run_program(Path(sys.argv[1]), stack="bench", config={"paved-road:catalog": sys.argv[2], "paved-road:releasesDir": sys.argv[3]})
done = time.perf_counter()
assert run.error is None, run.error
print(json.dumps({"resources": len(run.resources), "types": [r.type for r in run.resources],
                  "import_s": imported - started, "program_s": done - imported,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(count: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as temp:
        catalog, releases, _ = write_synthetic_catalog(Path(temp), count)
        samples = []
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(catalog), str(releases)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    program = [s["program_s"] for s in samples]
    return {"stanzas": count, "resources": samples[0]["resources"], "types": Counter(samples[0]["types"]),
            "program_median": statistics.median(program), "program_min": min(program), "program_max": max(program),
            "import_median": statistics.median(s["import_s"] for s in samples),
            "rss": max(s["peak_rss_mb"] for s in samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [measure(int(size), args.runs) for size in args.sizes.split(",")]
    one = results[0]
    per_service = {t: n // one["stanzas"] for t, n in sorted(one["types"].items())}
    print(f"Resources per released stanza: {sum(per_service.values())}")
    for type_token, n in per_service.items():
        print(f"  {n:>2}  {type_token}")
    print(f"\n{'stanzas':>8} {'resources':>10} {'program s (median, min-max)':>30} {'imports s':>10} {'peak RSS MB':>12}")
    for r in results:
        spread = f"{r['program_median']:.2f} ({r['program_min']:.2f}-{r['program_max']:.2f})"
        print(f"{r['stanzas']:>8} {r['resources']:>10} {spread:>30} {r['import_median']:>10.2f} {r['rss']:>12.0f}")
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(f"\nper stanza at {last['stanzas']}: {last['program_median'] / last['stanzas'] * 1000:.1f} ms "
              f"(at {first['stanzas']}: {first['program_median'] / first['stanzas'] * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
