"""SLSA provenance v1 for a service image: the source commit, the base image by digest and the lockfile it was
built from, and who built it (the CI workflow, or `companyos release --local`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from companyos.contracts.errors import UserError
from companyos.supply_chain.attestation import SBOM_BYPRODUCT, SCAN_BYPRODUCT, Dependency, provenance_predicate
from companyos.supply_chain.reference import parse_image_reference

# The build this provenance describes: the template's Dockerfile built into an OCI image (docs/supply-chain.md).
BUILD_TYPE = "https://paved-road.dev/provenance/container-image/v1"
LOCAL_BUILDER_ID = "https://paved-road.dev/builders/companyos-release-local/v1"
_BASE_IMAGE_ARG = re.compile(r"^\s*ARG\s+BASE_IMAGE=(\S+)\s*$", re.MULTILINE)
LOCKFILE = "package-lock.json"


@dataclass(frozen=True)
class BuildFacts:
    service: str
    version: str
    service_dir: Path
    git_commit: str
    source_uri: str  # git+https://github.com/org/repo@refs/heads/main, or git+file:// for a local release
    base_image: str  # registry/repo@sha256:...; "" = the Dockerfile's pinned BASE_IMAGE default
    builder_id: str
    invocation_id: str
    started_on: str
    finished_on: str
    sbom: Path | None = None  # the SBOM the build produced (the file the record names)
    scan_report: Path | None = None  # the scanner's report, when the image was scanned


def base_image_of(service_dir: Path, override: str = "") -> str:
    """The base image the build used: the build argument when one was passed, else the Dockerfile's default."""
    if override:
        return override
    dockerfile = service_dir / "Dockerfile"
    try:
        match = _BASE_IMAGE_ARG.search(dockerfile.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(
            f"cannot read {dockerfile} ({error.strerror}) to name the base image; pass --base-image REPO@sha256:..."
        ) from None
    if match is None:
        raise UserError(f"{dockerfile} has no `ARG BASE_IMAGE=REPO@sha256:...`; pass --base-image REPO@sha256:...")
    return match.group(1)


def image_dependency(reference: str) -> Dependency:
    """A base image as a resolved dependency: its package URL (purl `docker` type) and sha256 digest."""
    try:
        parsed = parse_image_reference(reference)
    except ValueError as error:
        raise UserError(f"base image {reference!r}: {error}") from None
    if parsed.digest is None:
        raise UserError(
            f"base image {reference!r} is not pinned by digest, so the provenance cannot name the bytes "
            "built on; pin it as REPO@sha256:..."
        )
    registry, _, path = parsed.repository.partition("/")
    namespace, _, name = path.rpartition("/")
    purl = PackageURL(
        type="docker",
        namespace=namespace or None,
        name=name,
        version=parsed.digest,
        qualifiers={"repository_url": registry},
    )
    return Dependency(uri=purl.to_string(), digest={"sha256": parsed.digest.removeprefix("sha256:")}, name=reference)


def service_provenance(facts: BuildFacts) -> dict[str, Any]:
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", facts.git_commit):
        raise UserError(
            f"--git-commit {facts.git_commit!r} is not a full git commit id; provenance names the exact source revision"
        )
    dependencies = [
        Dependency(uri=facts.source_uri, digest={"gitCommit": facts.git_commit}, name="source"),
        image_dependency(base_image_of(facts.service_dir, facts.base_image)),
    ]
    lockfile = facts.service_dir / LOCKFILE
    if lockfile.is_file():
        dependencies.append(
            Dependency(uri=f"{facts.source_uri}#{LOCKFILE}", digest={"sha256": _sha256(lockfile)}, name=LOCKFILE)
        )
    byproducts = [
        Dependency(uri=f"file:{path.name}", digest={"sha256": _sha256(path)}, name=name)
        for name, path in ((SBOM_BYPRODUCT, facts.sbom), (SCAN_BYPRODUCT, facts.scan_report))
        if path
    ]
    return provenance_predicate(
        build_type=BUILD_TYPE,
        builder_id=facts.builder_id,
        byproducts=byproducts,
        external_parameters={
            "service": facts.service,
            "version": facts.version,
            "source": facts.source_uri,
            "dockerfile": "Dockerfile",
        },
        dependencies=dependencies,
        invocation_id=facts.invocation_id,
        started_on=facts.started_on,
        finished_on=facts.finished_on,
    )


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise UserError(f"cannot read {path} ({error.strerror}) for the provenance") from None
