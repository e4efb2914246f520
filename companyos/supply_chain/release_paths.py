"""Where a release's files live in the work tree: `<work>/releases/<service>/<version>/`."""

from __future__ import annotations

from pathlib import Path

BUILD_FILE = "build.json"
SBOM_FILE = "sbom.cdx.json"
SBOM_ATTACHMENT_FILE = "sbom.json"  # where the SBOM was attached in the registry
SIGNATURE_FILE = "signature.json"
RECORD_FILE = "release.json"


def release_dir(work: Path, service: str, version: str) -> Path:
    return work / "releases" / service / version
