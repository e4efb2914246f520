"""SBOM time and graph shape, ours (cyclonedx-npm + syft, merged) vs syft alone, same image, same run.

Without --image/--service it renders the template, starts (or reuses) the work tree's loopback registry,
builds the service with buildah, measures, and stops the registry if it started it. The image is tagged
with a hash of its inputs (the rendered service and the base image digest), so a later run on the same
template reuses it instead of rebuilding (the first build takes a few minutes). Prints a table and, with
--json, writes the figures; no asserts (tests/supply_chain_e2e holds the checks).

    .venv/bin/python benchmarks/bench_sbom.py [--runs 2] [--image REG/REPO@sha256:... --service DIR] [--json PATH]

Both are timed on the same prepared input: the pushed image and the service's package-lock.json (the
application SBOM reads the lockfile, so no `npm ci` is timed), with cyclonedx-npm installed before timing.
A run times syft once; ours reuses that syft document and adds cyclonedx-npm and the merge (see measure).
syft takes tens of seconds, hence 2 runs by default. Counts come from each run's documents.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Better, Figure, write_figures  # noqa: E402
from companyos.contracts.errors import UserError  # noqa: E402
from companyos.release.stages.runtime import free_port  # noqa: E402
from companyos.supply_chain.base_image import ensure_base_image  # noqa: E402
from companyos.supply_chain.build import build_service, read_package  # noqa: E402
from companyos.supply_chain.oci import RegistryClient, RegistryError, is_loopback  # noqa: E402
from companyos.supply_chain.reference import parse_image_reference  # noqa: E402
from companyos.supply_chain.registry import registry_status, start_registry, stop_registry  # noqa: E402
from companyos.supply_chain.sbom import graph_stats, merge_sboms, render  # noqa: E402
from companyos.supply_chain.sbom_tools import app_sbom, image_sbom, tools_dir  # noqa: E402
from companyos.supply_chain.signature_store import split_repository  # noqa: E402

GROUP = "SBOM"
SYFT = "syft alone"
# Not inputs of the image: .copier-answers.yml records the temporary template path (so it differs between
# renders of the same template) and the Dockerfile never copies it; the others are local build outputs.
UNHASHED = {".git", ".copier-answers.yml", "node_modules", "dist"}


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def input_hash(service: Path, base_digest: str) -> str:
    """sha256 over the service's files (paths and bytes) and the base image digest."""
    digest = hashlib.sha256(base_digest.encode())
    for path in sorted(p for p in service.rglob("*") if p.is_file()):
        relative = path.relative_to(service)
        if relative.parts[0] in UNHASHED:
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@contextmanager
def running_registry(data: Path) -> Iterator[str]:
    """The work tree's registry: reused when it already runs, else started here and stopped afterwards."""
    status = registry_status(data)
    if status.running and status.address:
        yield status.address
        return
    status = start_registry(data, free_port())
    try:
        yield str(status.address)
    finally:
        stop_registry(data)


@contextmanager
def scratch_image(work: Path) -> Iterator[tuple[str, Path]]:
    from tests.template.conftest import publish_template
    from tests.template.conftest import render as render_template

    with tempfile.TemporaryDirectory() as temp, running_registry(work / "registry") as registry:
        service = render_template(publish_template(Path(temp) / "template"), Path(temp) / "orders-api")
        name, _ = read_package(service)
        # By digest: the reference also names the registry's port, which changes from run to run.
        base_digest = ensure_base_image(registry, work).reference.rpartition("@")[2]
        tag = "bench-" + input_hash(service, base_digest)[:16]
        try:
            digest = RegistryClient(registry).resolve(name, tag)
            print(f"reusing {registry}/{name}:{tag} (same inputs as an earlier build)", file=sys.stderr)
            pinned = f"{registry}/{name}@{digest}"
        except RegistryError as error:
            if error.status != 404:
                raise UserError(f"cannot look up {registry}/{name}:{tag}: {error}") from None
            build, seconds = timed(lambda: build_service(service, registry, work, tag=tag))
            print(f"built {build.pinned} in {seconds:.0f}s", file=sys.stderr)
            pinned = build.pinned
        yield pinned, service


@dataclass
class Series:
    """One SBOM producer's measurements, one entry per run."""

    seconds: list[float] = field(default_factory=list)
    components: list[float] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)
    orphans: list[float] = field(default_factory=list)
    edgeless: list[float] = field(default_factory=list)

    def add(self, document: dict[str, Any], seconds: float) -> None:
        stats = graph_stats(document)
        self.seconds.append(seconds)
        self.components.append(stats.components)
        self.edges.append(stats.edges)
        self.orphans.append(stats.orphans)
        self.edgeless.append(edgeless(document))


@dataclass
class Steps:
    """Seconds of ours' own steps besides syft, one entry per run."""

    app: list[float] = field(default_factory=list)
    merge: list[float] = field(default_factory=list)
    render: list[float] = field(default_factory=list)


def measure(image: str, service: Path, work: Path, runs: int) -> tuple[Series, Series, Steps]:
    """(ours, syft alone, ours' other steps), one entry per run.

    Ours runs the steps `companyos sbom` runs one after the other: syft on the image, cyclonedx-npm on the
    lockfile, the merge, the render (cyclonedx-python-lib model + strict 1.6 schema validation). Each run times syft once and ours reuses that document, so ours' time is syft's
    time in the same run plus cyclonedx-npm plus the merge (running syft twice per run would double the
    slowest step for no new information)."""
    reference = parse_image_reference(image)
    address = split_repository(reference.repository)
    digest = reference.digest or RegistryClient(address.registry).resolve(address.repository, reference.tag or "latest")
    source, insecure = f"registry:{reference.repository}@{digest}", is_loopback(address.registry)
    tools = tools_dir(work)
    app_sbom(service, tools)  # installs cyclonedx-npm once, outside the timings
    ours, syft, steps = Series(), Series(), Steps()
    for run in range(runs):
        scanned, syft_s = timed(lambda: image_sbom(source, insecure_http=insecure))
        syft.add(scanned, syft_s)
        app, app_s = timed(lambda: app_sbom(service, tools))
        combined, merge_s = timed(
            functools.partial(merge_sboms, app, scanned, image_repository=reference.repository, image_digest=digest)
        )
        text, render_s = timed(functools.partial(render, combined))
        ours.add(json.loads(text), syft_s + app_s + merge_s + render_s)
        steps.app.append(app_s)
        steps.merge.append(merge_s)
        steps.render.append(render_s)
        print(
            f"run {run + 1}/{runs}: syft {syft_s:.1f} s, cyclonedx-npm {app_s:.1f} s, merge {merge_s:.2f} s, "
            f"render + validate {render_s:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return ours, syft, steps


def edgeless(document: dict[str, Any]) -> int:
    """Components named in no dependency edge at all (the looser measure syft#5173 counts)."""
    linked = {
        ref
        for entry in document.get("dependencies", [])
        if entry.get("dependsOn")
        for ref in [entry["ref"], *entry["dependsOn"]]
    }
    return sum(1 for component in document.get("components", []) if component.get("bom-ref") not in linked)


def figures(ours: Series, syft: Series, steps: Steps) -> list[Figure]:
    def figure(name: str, unit: str, attribute: str, better: Better, note: str = "") -> Figure:
        return Figure(
            GROUP,
            name,
            unit,
            getattr(ours, attribute),
            better=better,
            comparator=SYFT,
            comparator_samples=getattr(syft, attribute),
            note=note,
        )

    return [
        figure(
            "time, ours (syft + cyclonedx-npm + merge + validate)",
            "s",
            "seconds",
            "lower",
            "ours includes syft's own time of the same run, so it cannot be faster than syft alone",
        ),
        Figure(GROUP, "time, of which cyclonedx-npm (lockfile)", "s", steps.app),
        Figure(GROUP, "time, of which merge", "s", steps.merge),
        Figure(
            GROUP,
            "time, of which render + schema validation",
            "s",
            steps.render,
            note="cyclonedx-python-lib Bom.from_json + JSON output + strict CycloneDX 1.6 schema validation",
        ),
        figure("components", "components", "components", "higher"),
        figure("dependency edges", "edges", "edges", "higher"),
        figure("orphans", "components", "orphans", "lower", "components not reachable from metadata.component"),
        figure("edgeless components", "components", "edgeless", "lower", "components in no dependency edge at all"),
    ]


def print_table(ours: Series, syft: Series) -> None:
    print("orphans: not reachable from metadata.component; edgeless: in no dependency edge at all")
    print(
        f"{'sbom':<15} {'median s':>9} {'components':>11} {'edges':>7} {'orphans':>8} {'orphan %':>9} {'edgeless':>9}"
    )
    for name, series in ((SYFT, syft), ("ours (merged)", ours)):
        components, orphans = series.components[-1], series.orphans[-1]
        print(
            f"{name:<15} {statistics.median(series.seconds):>9.2f} {components:>11.0f} {series.edges[-1]:>7.0f} "
            f"{orphans:>8.0f} {100.0 * orphans / max(components, 1):>8.1f}% {series.edgeless[-1]:>9.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2, help="runs of each SBOM producer (default 2)")
    parser.add_argument("--image", help="An image already in a registry (registry/repo@sha256:...).")
    parser.add_argument("--service", type=Path, help="The service directory the image was built from.")
    parser.add_argument("--json", type=Path, help="also write the figures there (benchmarks/results.py format)")
    args = parser.parse_args()
    if bool(args.image) != bool(args.service):
        parser.error("--image and --service go together (the image and the service it was built from)")
    work = Path(os.environ.get("COMPANYOS_WORK_DIR", ROOT / ".work")).resolve()
    try:
        if args.image:
            ours, syft, steps = measure(args.image, args.service, work, args.runs)
        else:
            with scratch_image(work) as (image, service):
                ours, syft, steps = measure(image, service, work, args.runs)
    except UserError as error:
        raise SystemExit(f"SBOM benchmark: {error}") from None
    print_table(ours, syft)
    if args.json:
        write_figures(args.json, Path(__file__).name, figures(ours, syft, steps))


if __name__ == "__main__":
    main()
