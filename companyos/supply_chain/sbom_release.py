"""The release's SBOM step: generate both SBOMs, merge, validate, attach to the image, keep a copy.

Writes happen last and in this order: registry attachment, then the local files (atomically). A failure at
any step leaves no SBOM file behind that could be mistaken for the release's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.supply_chain.build import read_package
from companyos.supply_chain.oci import RegistryClient, RegistryError, is_loopback
from companyos.supply_chain.reference import parse_image_reference
from companyos.supply_chain.referrers import attach_artifact
from companyos.supply_chain.release_paths import (
    SBOM_ATTACHMENT_FILE,
    SBOM_FILE,
    refuse_recorded,
    release_dir,
)
from companyos.supply_chain.sbom import graph_stats, merge_sboms, read_lockfile, render
from companyos.supply_chain.sbom_tools import app_sbom, image_sbom, tools_dir
from companyos.supply_chain.signature_store import split_repository
from companyos.support.files import atomic_write_all

# IANA-registered media type for CycloneDX JSON (cyclonedx.org/specification), used as the artifactType.
CYCLONEDX_MEDIA_TYPE = "application/vnd.cyclonedx+json"


@dataclass(frozen=True)
class SbomResult:
    path: Path
    copy: Path
    digest: str  # sha256 of the SBOM document
    location: str  # oci://registry/repo@sha256:<artifact manifest> when attached, else the local copy's path
    components: int
    edges: int
    orphans: int
    image: str  # registry/repo@sha256:... the SBOM describes, "" for an application-only SBOM


def produce_sbom(
    service_dir: Path,
    out: Path,
    work: Path,
    *,
    image: str | None,
    attach: bool,
    tools: Path | None = None,
    version: str | None = None,
) -> SbomResult:
    """`version`: the release the SBOM belongs to (its folder; default package.json's version); `tools`: where the
    pinned npm tools are installed (default: tools_dir(work))."""
    name, package_version = read_package(service_dir)
    version = version or package_version
    refuse_recorded(release_dir(work, name, version), "SBOM")
    app = app_sbom(service_dir, tools or tools_dir(work))
    lockfile = read_lockfile(service_dir / "package-lock.json")
    pinned, manifest, client, repository = "", None, None, ""
    if image is None:
        if attach:
            raise UserError("--attach needs --image: the SBOM is attached to an image in the registry")
        document = merge_sboms(app, None, lockfile=lockfile)
    else:
        try:
            reference = parse_image_reference(image)
        except ValueError as error:
            raise UserError(f"--image: {error}") from None
        address = split_repository(reference.repository)
        client, repository = RegistryClient(address.registry), address.repository
        try:
            manifest = client.get_manifest(repository, reference.digest or reference.tag or "latest")
        except RegistryError as error:
            raise UserError(f"--image {image}: cannot read it from the registry ({error})") from None
        pinned = f"{reference.repository}@{manifest.digest}"
        scanned = image_sbom(f"registry:{pinned}", insecure_http=is_loopback(address.registry))
        document = merge_sboms(
            app, scanned, image_repository=reference.repository, image_digest=manifest.digest, lockfile=lockfile
        )
    text = render(document).encode()
    digest = "sha256:" + hashlib.sha256(text).hexdigest()
    stats = graph_stats(json.loads(text))

    copy = release_dir(work, name, version) / SBOM_FILE
    location = str(copy)
    if attach and client is not None and manifest is not None:
        try:
            artifact = attach_artifact(
                client,
                repository,
                manifest,
                artifact_type=CYCLONEDX_MEDIA_TYPE,
                data=text,
                annotations={"org.opencontainers.image.created": datetime.now(UTC).isoformat(timespec="seconds")},
            )
        except RegistryError as error:
            raise UserError(
                f"attaching the SBOM to {pinned} failed ({error}); no SBOM file was written, "
                "re-run `companyos sbom ... --attach` once the registry answers"
            ) from None
        # A URI (oci://) so readers, the policy gate included, know how to fetch it.
        location = f"oci://{client.registry}/{repository}@{artifact}"

    result = SbomResult(
        path=out,
        copy=copy,
        digest=digest,
        location=location,
        components=stats.components,
        edges=stats.edges,
        orphans=stats.orphans,
        image=pinned,
    )
    summary = (
        json.dumps(
            {key: str(value) if isinstance(value, Path) else value for key, value in asdict(result).items()},
            indent=2,
            sort_keys=True,
        ).encode()
        + b"\n"
    )
    try:
        for directory in {out.parent, copy.parent}:
            directory.mkdir(parents=True, exist_ok=True)
        files = [(out, text, 0o644), (copy.parent / SBOM_ATTACHMENT_FILE, summary, 0o644)]
        if copy.resolve() != out.resolve():
            files.append((copy, text, 0o644))
        atomic_write_all(files)
    except OSError as error:
        raise UserError(f"cannot write the SBOM to {out}: {error.strerror}; choose a writable --out") from None
    return result
