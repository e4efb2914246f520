"""SBOM time and graph shape, ours (cyclonedx-npm + syft, merged) vs syft alone, same image, same run.

Without --image/--service it renders the template, starts a throwaway loopback registry, builds the
service with buildah (a few minutes the first time), measures, and stops the registry. Prints a table;
no asserts (tests/supply_chain_e2e holds the checks).

    .venv/bin/python benchmarks/bench_sbom.py [--runs 3] [--image REG/REPO@sha256:... --service DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from companyos.supply_chain.build import build_service
from companyos.supply_chain.oci import RegistryClient, is_loopback
from companyos.supply_chain.reference import parse_image_reference
from companyos.supply_chain.registry import start_registry, stop_registry
from companyos.supply_chain.sbom import graph_stats, merge_sboms, render
from companyos.supply_chain.sbom_tools import app_sbom, image_sbom, tools_dir
from companyos.supply_chain.signature_store import split_repository


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


@contextmanager
def scratch_image(work: Path) -> Iterator[tuple[str, Path]]:
    from tests.template.conftest import publish_template
    from tests.template.conftest import render as render_template

    data = work / "registry"
    with tempfile.TemporaryDirectory() as temp:
        import socket
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        status = start_registry(data, port)
        try:
            service = render_template(publish_template(Path(temp) / "template"), Path(temp) / "orders-api")
            build, seconds = timed(lambda: build_service(service, str(status.address), work))
            print(f"built {build.pinned} in {seconds:.0f}s", file=sys.stderr)
            yield build.pinned, service
        finally:
            stop_registry(data)


def measure(image: str, service: Path, work: Path, runs: int) -> list[dict[str, object]]:
    reference = parse_image_reference(image)
    address = split_repository(reference.repository)
    digest = reference.digest or RegistryClient(address.registry).resolve(address.repository, reference.tag or "latest")
    source, insecure = f"registry:{reference.repository}@{digest}", is_loopback(address.registry)
    tools = tools_dir(work)
    app_sbom(service, tools)  # installs cyclonedx-npm once, outside the timings
    syft_times, ours_times, syft_doc, ours_doc = [], [], {}, {}
    for _ in range(runs):
        syft_doc, seconds = timed(lambda: image_sbom(source, insecure_http=insecure))
        syft_times.append(seconds)

        def ours() -> dict[str, Any]:
            merged = merge_sboms(app_sbom(service, tools), image_sbom(source, insecure_http=insecure),
                                 image_repository=reference.repository, image_digest=digest)
            return json.loads(render(merged))

        ours_doc, seconds = timed(ours)
        ours_times.append(seconds)
    rows = []
    for name, document, times in (("syft alone", syft_doc, syft_times), ("ours (merged)", ours_doc, ours_times)):
        stats = graph_stats(document)
        rows.append({"sbom": name, "median_s": statistics.median(times), "components": stats.components,
                     "edges": stats.edges, "orphans": stats.orphans, "edgeless": edgeless(document),
                     "orphan_pct": 100.0 * stats.orphans / max(stats.components, 1)})
    return rows


def edgeless(document: dict[str, Any]) -> int:
    """Components named in no dependency edge at all (the looser measure syft#5173 counts)."""
    linked = {ref for entry in document.get("dependencies", []) if entry.get("dependsOn")
              for ref in [entry["ref"], *entry["dependsOn"]]}
    return sum(1 for component in document.get("components", []) if component.get("bom-ref") not in linked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--image", help="An image already in a registry (registry/repo@sha256:...).")
    parser.add_argument("--service", type=Path, help="The service directory the image was built from.")
    args = parser.parse_args()
    work = Path(os.environ.get("COMPANYOS_WORK_DIR", ROOT / ".work")).resolve()
    if args.image and args.service:
        rows = measure(args.image, args.service, work, args.runs)
    else:
        with scratch_image(work) as (image, service):
            rows = measure(image, service, work, args.runs)
    print("orphans: not reachable from metadata.component; edgeless: in no dependency edge at all")
    print(f"{'sbom':<15} {'median s':>9} {'components':>11} {'edges':>7} {'orphans':>8} {'orphan %':>9} {'edgeless':>9}")
    for row in rows:
        print(f"{row['sbom']:<15} {row['median_s']:>9.2f} {row['components']:>11} {row['edges']:>7} "
              f"{row['orphans']:>8} {row['orphan_pct']:>8.1f}% {row['edgeless']:>9}")


if __name__ == "__main__":
    main()
