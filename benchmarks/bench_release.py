"""Wall time of `companyos release hello-prod --local`, per stage and in total.

    .venv/bin/python benchmarks/bench_release.py [--runs 1] [--work-dir .work/bench-release] [--json PATH]

The release runs as `make demo` and tests/release/test_release_e2e.py run it: its own work tree, a free
loopback port for the registry that its `registry` stage starts (and its clean-up stops), the catalogue's
hello-prod stanza. It runs in this process through `run_release`, the function the `companyos release`
command calls, whose outcome holds each stage's elapsed time (the evidence pack's stage table shows the
same times); so no output format is parsed and the product writes nothing extra.

The work tree is kept between runs (like `make demo`'s .work/demo), so each run measures a release on a
machine that has released before: the local node base image (a stand-in for pulling the official one) is
built before the timing if missing, and the image build's npm cache is warm. Each run scaffolds the service
afresh (its folder and release folder are removed first). A release takes 1-2 minutes: one run by default.
The issue names no comparator and no goal for the release.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, write_figures  # noqa: E402
from companyos.contracts.errors import UserError  # noqa: E402
from companyos.evidence.model import Stage  # noqa: E402
from companyos.release.pipeline import ReleaseOptions, run_release  # noqa: E402
from companyos.release.stages.runtime import free_port  # noqa: E402
from companyos.supply_chain.base_image import ensure_base_image  # noqa: E402
from companyos.supply_chain.registry import start_registry, stop_registry  # noqa: E402

GROUP = "release"
SERVICE = "hello-prod"
VERSION = "0.1.0"
MARKER = ".bench-release"
"""Marks a work tree this script created: only there does it delete the previous run's service folder."""


def prepare(work: Path) -> None:
    """A dedicated work tree with the local base image in its registry (built once, outside the timing)."""
    if work.exists() and any(work.iterdir()) and not (work / MARKER).exists():
        raise SystemExit(
            f"--work-dir {work} exists and was not created by this benchmark; each run deletes the "
            f"service folder in it. Fix: pass a new or empty directory."
        )
    work.mkdir(parents=True, exist_ok=True)
    (work / MARKER).write_text("work tree of benchmarks/bench_release.py; safe to delete\n")
    data = work / "registry"
    status = start_registry(data, free_port())
    try:
        base = ensure_base_image(str(status.address), work)
        print(f"base image {'built' if base.built else 'reused'}: {base.reference}", flush=True)
    finally:
        stop_registry(data)


def release_once(work: Path) -> tuple[list[Stage], float]:
    """One release from a fresh scaffold; its stages and total wall time. Exits naming the stage that failed."""
    for folder in (work / "services" / SERVICE, work / "releases" / SERVICE):
        shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    outcome = run_release(
        ReleaseOptions(
            service=SERVICE, version=VERSION, catalog=ROOT / "services.yaml", work=work, registry_port=free_port()
        ),
        Console(width=200, highlight=False),
    )
    total = time.perf_counter() - started
    if not outcome.complete:
        raise SystemExit(
            f"the release stopped at stage `{outcome.failed_stage}`; nothing to measure. "
            f"See {outcome.evidence_markdown} and {outcome.out / 'logs'}"
        )
    return outcome.stages, total


def figures(runs: list[tuple[list[Stage], float]]) -> list[Figure]:
    # The pipeline appends the evidence step with 0 s (it is written after the timed stages): the
    # evidence pack and the clean-up are measured as the rest of the total instead.
    names = [stage.name for stage in runs[0][0] if stage.name != "evidence"]
    result = [
        Figure(
            GROUP, f"stage: {name}", "s", [next(s.duration_s for s in stages if s.name == name) for stages, _ in runs]
        )
        for name in names
    ]
    rest = [total - sum(s.duration_s for s in stages if s.name in names) for stages, total in runs]
    result.append(
        Figure(
            GROUP,
            "evidence pack + clean-up",
            "s",
            rest,
            note="total minus the stages: evidence Markdown/HTML, provenance, stopping servers",
        )
    )
    result.append(
        Figure(
            GROUP,
            f"total `companyos release {SERVICE} --local`",
            "s",
            [total for _, total in runs],
            note="warm work tree: base image present, npm caches warm; scaffold included",
        )
    )
    return result


def print_table(table: list[Figure]) -> None:
    width = max(len(f.name) for f in table)
    print(f"\n{'figure':<{width}}  {'runs':>4}  {'median s':>8}  {'min s':>7}  {'max s':>7}")
    for f in table:
        print(
            f"{f.name:<{width}}  {len(f.samples):>4}  {f.median:>8.1f}  {min(f.samples):>7.1f}  {max(f.samples):>7.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="releases (default 1; each takes 1-2 minutes)")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=ROOT / ".work" / "bench-release",
        help="this benchmark's own work tree, kept between runs (default .work/bench-release)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures there (benchmarks/results.py format)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    work = args.work_dir.resolve()
    try:
        prepare(work)
        runs = [release_once(work) for _ in range(args.runs)]
    except UserError as error:
        raise SystemExit(f"release benchmark: {error}") from None
    table = figures(runs)
    print_table(table)
    if args.json:
        write_figures(args.json, Path(__file__).name, table)


if __name__ == "__main__":
    main()
