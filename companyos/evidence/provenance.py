"""Where the evidence of a CI release lives: the GitHub Actions run that produced it.

The release's SLSA provenance is a signed attestation (companyos.supply_chain.provenance), not written here."""

from __future__ import annotations

import os


def ci_run_url() -> str | None:
    """The GitHub Actions run URL when running there (the documented default environment variables)."""
    server, repository, run_id = (
        os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if server and repository and run_id:
        return f"{server}/{repository}/actions/runs/{run_id}"
    return None
