"""A synthetic catalogue of N stanzas with a signed, attested release record each, for the scaling benchmarks.

The records are made by the tests' ReleaseSigner (tests/conftest.py), so a benchmark judges exactly the evidence
the test suite proves the gate accepts: signature, SBOM, scan and provenance attestations.
"""

from __future__ import annotations

from pathlib import Path

from companyos.contracts.release_record import write_release_record
from tests.conftest import ReleaseSigner

RISKS = ("low", "medium", "high")
CLASSES = ("public", "internal", "confidential", "restricted")


def write_synthetic_catalog(directory: Path, count: int) -> tuple[Path, Path, bytes]:
    """Write services.yaml, releases/<name>.json and return (catalog, releases_dir, public key PEM)."""
    signer = ReleaseSigner()
    releases = directory / "releases"
    lines = ["services:"]
    for index in range(count):
        name = f"svc-{index:04d}"
        lines += [
            f"  - name: {name}",
            f"    owner: team-{index % 7}",
            f"    risk: {RISKS[index % 3]}",
            f"    data_classification: {CLASSES[index % 4]}",
        ]
        write_release_record(signer.release(name, version="1.0.0"), releases / f"{name}.json")
    catalog = directory / "services.yaml"
    catalog.write_text("\n".join(lines) + "\n")
    return catalog, releases, signer.public_pem
