"""How long `companyos new-service` takes, alone and through to a green `npm test` (warm npm cache).

Goals (issue 3): scaffold <= 1 s; scaffold -> green `npm test` <= 60 s. Prints figures (and writes them
with --json); no asserts. The template is published once before timing (the state of any machine after its
first new-service); each run writes a new service and stanza into a scratch copy of the catalogue.

    .venv/bin/python benchmarks/bench_scaffold.py [--runs 5] [--green-runs 1] [--skip-npm] [--json PATH]

A green run (new-service, `npm ci --prefer-offline`, `npm test`) takes ~30-60 s, hence its own count. The
npm cache must be warm (any earlier `npm ci` of the template, e.g. the throughput benchmark's, warms it);
a cold cache downloads the dependencies inside the timing."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, write_figures  # noqa: E402
from benchmarks.scaffold_support import companyos, npm  # noqa: E402

GROUP = "scaffold"


def summary(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples):.3f} s  min {min(samples):.3f} s  max {max(samples):.3f} s  "
        f"(n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="scaffold runs, in-process and via the CLI (default 5)")
    parser.add_argument("--green-runs", type=int, default=1, help="scaffold -> green npm test runs (default 1)")
    parser.add_argument("--skip-npm", action="store_true", help="only the scaffold timings")
    parser.add_argument("--json", type=Path, help="also write the figures there (benchmarks/results.py format)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-scaffold-") as temp:
        work = Path(temp)
        os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # a private template publication
        os.environ.pop("PAVED_ROAD_TEMPLATE", None)
        (work / "services.yaml").write_text((ROOT / "services.yaml").read_text())
        figures = scaffold_figures(work, args.runs)
        if not args.skip_npm:
            figures += green_figures(work, args.green_runs)
    if args.json:
        write_figures(args.json, Path(__file__).name, figures)


def scaffold_figures(work: Path, runs: int) -> list[Figure]:
    from companyos.scaffolding.catalog import ServiceAnswers
    from companyos.scaffolding.new_service import new_service
    from companyos.scaffolding.template import publish_template

    publish_template()
    in_process = []
    for run in range(runs):
        started = time.perf_counter()
        new_service(
            ServiceAnswers(name=f"inproc-{run}", owner="team-bench"), parent=work, catalog_path=work / "services.yaml"
        )
        in_process.append(time.perf_counter() - started)
    cli = [companyos(work, "new-service", f"cli-{run}", "--owner", "team-bench") for run in range(runs)]
    floor = [companyos(work, "--help") for _ in range(runs)]

    print(
        "companyos new-service (template already published; render + ci.yml + catalogue write); "
        f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    print(f"  in-process new_service():        {summary(in_process)}")
    print(f"  CLI wall time (python start):    {summary(cli)}")
    print(f"  CLI floor (`companyos --help`):  {summary(floor)}")
    goal = statistics.median(in_process)
    print(
        f"  goal <= 1 s (scaffold alone):    {'met' if goal <= 1 else 'NOT met'} ({goal:.3f} s in-process; "
        f"CLI adds {statistics.median(cli) - goal:.3f} s of interpreter start and imports of all commands)"
    )
    return [
        Figure(
            GROUP,
            "scaffold, in-process new_service()",
            "s",
            in_process,
            goal="<= 1 s",
            goal_met=statistics.median(in_process) <= 1,
            note="render + ci.yml + catalogue write",
        ),
        Figure(
            GROUP,
            "scaffold, CLI `companyos new-service`",
            "s",
            cli,
            goal="<= 1 s",
            goal_met=statistics.median(cli) <= 1,
            note="wall time of the command, interpreter start included",
        ),
        Figure(
            GROUP,
            "CLI floor `companyos --help`",
            "s",
            floor,
            note="interpreter start and CLI imports, the part of the CLI time that is not scaffolding",
        ),
    ]


def green_figures(work: Path, runs: int) -> list[Figure]:
    total, scaffold, install, test = [], [], [], []
    print("scaffold -> green npm test (warm npm cache, --prefer-offline)")
    for run in range(runs):
        started = time.perf_counter()
        name = f"green-api-{run}"
        scaffold.append(companyos(work, "new-service", name, "--owner", "team-bench"))
        install.append(npm(work / name, "ci", "--prefer-offline"))
        test.append(npm(work / name, "test"))  # its script builds, type-checks, then runs node:test
        total.append(time.perf_counter() - started)
        print(
            f"  new-service {scaffold[-1]:.1f} s + npm ci {install[-1]:.1f} s + npm test {test[-1]:.1f} s "
            f"= {total[-1]:.1f} s"
        )
    met = statistics.median(total) <= 60
    print(f"  goal <= 60 s:                    {'met' if met else 'NOT met'} ({summary(total)})")
    return [
        Figure(
            GROUP,
            "scaffold -> green npm test (warm npm cache)",
            "s",
            total,
            goal="<= 60 s",
            goal_met=met,
            note="companyos new-service + npm ci --prefer-offline + npm test (build, typecheck, node:test)",
        ),
        Figure(GROUP, "green run: npm ci --prefer-offline", "s", install),
        Figure(GROUP, "green run: npm test", "s", test),
    ]


if __name__ == "__main__":
    main()
