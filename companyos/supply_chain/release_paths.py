"""Where a release's files live in the work tree: `<work>/releases/<service>/<version>/`, one folder per version.
Once a version is recorded (its release.json written), no command rewrites its build, SBOM or record for another
image: a recorded release is what was deployed, and its evidence must stay what it was."""

from __future__ import annotations

import json
from pathlib import Path

from companyos.contracts.errors import UserError

BUILD_FILE = "build.json"
SBOM_FILE = "sbom.cdx.json"
SBOM_ATTACHMENT_FILE = "sbom.json"  # where the SBOM was attached in the registry
SIGNATURE_FILE = "signature.json"
RECORD_FILE = "release.json"


def release_dir(work: Path, service: str, version: str) -> Path:
    return work / "releases" / service / version


def recorded_digest(folder: Path) -> str | None:
    """The image digest the folder's release.json records, or None when the version is not recorded."""
    path = folder / RECORD_FILE
    if not path.is_file():
        return None
    try:
        digest = json.loads(path.read_text(encoding="utf-8"))["image"]["digest"]
    except (OSError, ValueError, KeyError, TypeError):
        return "(unreadable)"
    return str(digest)


def refuse_recorded(folder: Path, writing: str, *, digest: str | None = None) -> None:
    """Refuse to write `writing` into a recorded release's folder (for `digest`, when the same image may be
    recorded again)."""
    recorded = recorded_digest(folder)
    if recorded is not None and (digest is None or recorded != digest):
        raise UserError(
            f"{folder / RECORD_FILE} records {recorded}: release {folder.name} is recorded, and its {writing} is "
            f"never rewritten{f' for {digest}' if digest else ''}. Fix: release a new version (--tag / --version), "
            "or delete that folder if the release was never published."
        )
