"""A synthetic catalogue of N stanzas with a signed release record each, for the scaling benchmarks."""

from __future__ import annotations

import hashlib
from pathlib import Path

from companyos.release_record import (
    ImageRef,
    ReleaseRecord,
    SbomRef,
    ScanSummary,
    write_release_record,
)
from companyos.supply_chain import public_key_fingerprint, sign_image
from companyos.supply_chain.keys import generate_key_pair, load_private_key
from companyos.supply_chain.release import signature_ref

RISKS = ("low", "medium", "high")
CLASSES = ("public", "internal", "confidential", "restricted")


def write_synthetic_catalog(directory: Path, count: int, *, password: bytes = b"bench") -> tuple[Path, Path, bytes]:
    """Write services.yaml, releases/<name>.json and return (catalog, releases_dir, public key PEM)."""
    private_pem, public_pem = generate_key_pair(password)
    key = load_private_key(private_pem, password)
    releases = directory / "releases"
    lines = ["services:"]
    for index in range(count):
        name = f"svc-{index:04d}"
        lines += [f"  - name: {name}", f"    owner: team-{index % 7}", f"    risk: {RISKS[index % 3]}",
                  f"    data_classification: {CLASSES[index % 4]}"]
        repository = f"ghcr.io/paved-road/{name}"
        digest = "sha256:" + hashlib.sha256(name.encode()).hexdigest()
        write_release_record(ReleaseRecord(
            service=name, version="1.0.0", git_commit="0" * 40,
            image=ImageRef(repository=repository, digest=digest, tag="1.0.0"),
            sbom=SbomRef(digest=digest, location=f"oci://{repository}@{digest}", components=10),
            signature=signature_ref(sign_image(repository, digest, key, push=lambda _layer: None),
                                    public_key_fingerprint(public_pem)),
            scan=ScanSummary(status="scanned", scanner="grype", counts={"critical": 0}, max_cvss=4.0),
        ), releases / f"{name}.json")
    catalog = directory / "services.yaml"
    catalog.write_text("\n".join(lines) + "\n")
    return catalog, releases, public_pem
