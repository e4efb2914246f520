"""Secret scan (issue 8, reliability): detect-secrets finds nothing in the repository and nothing in a freshly
generated, installed and built service.

The repository's findings that are not secrets (test vectors, signatures, digests, names) are listed once,
each with its reason, in .secrets-scan-exclusions.yaml; the generated service has no exclusion at all (only
node_modules/, third-party code npm installs, is not the service's).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

from .secret_scan import EXCLUSIONS_FILE, load_exclusions, scan


def repository_files() -> list[str]:
    """What the repository holds: tracked files and new ones not ignored (what a commit would add)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split("\0")
    return sorted(name for name in listed if name and (REPO_ROOT / name).is_file())


def test_the_repository_has_no_secret_but_the_listed_non_secrets_and_each_listing_is_still_needed() -> None:
    exclusions = load_exclusions(REPO_ROOT / EXCLUSIONS_FILE)
    files = repository_files()
    assert len(files) > 100, files  # the listing worked
    findings, plugins = scan(REPO_ROOT, files)
    assert plugins, "detect-secrets ran no plugin, so it could not have found anything"
    uncovered = [f for f in findings if not any(e.covers(f) for e in exclusions)]
    assert uncovered == [], "secrets (or non-secrets to list, with why, in {}):\n{}".format(
        EXCLUSIONS_FILE, "\n".join(map(str, uncovered))
    )
    unused = [e for e in exclusions if not any(e.covers(f) for f in findings)]
    assert unused == [], f"{EXCLUSIONS_FILE} lists what no longer needs excluding: {unused}"


def test_a_generated_service_has_no_secret(built_service: Path) -> None:
    files = sorted(
        str(p.relative_to(built_service))
        for p in built_service.rglob("*")
        if p.is_file() and "node_modules" not in p.relative_to(built_service).parts
    )
    assert "src/server.ts" in files and "dist/server.js" in files and "package-lock.json" in files, files
    findings, plugins = scan(built_service, files)
    assert plugins, "detect-secrets ran no plugin, so it could not have found anything"
    assert findings == [], "\n".join(map(str, findings))
