"""An in-toto Statement (v1) with a SLSA provenance v1 predicate for the released image.

Field names follow https://slsa.dev/spec/v1.0/provenance and https://github.com/in-toto/attestation
(spec/v1/statement.md). Unsigned here: CI attests it with `cosign attest --type slsaprovenance1`."""

from __future__ import annotations

import os
from typing import Any

from companyos.release_record import ReleaseRecord

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://paved-road.dev/release/v1"


def ci_run_url() -> str | None:
    """The GitHub Actions run URL when running there (the documented default environment variables)."""
    server, repository, run_id = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if server and repository and run_id:
        return f"{server}/{repository}/actions/runs/{run_id}"
    return None


def provenance_statement(record: ReleaseRecord, *, source_uri: str, started_on: str, finished_on: str,
                         builder_id: str, byproducts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    run_url = ci_run_url()
    dependencies = [{"uri": source_uri, "digest": {"gitCommit": record.git_commit}}] if record.git_commit else []
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": record.image.repository, "digest": {"sha256": record.image.digest.split(":", 1)[1]}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {"service": record.service, "version": record.version, "source": source_uri},
                "internalParameters": {"local": run_url is None},
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {"id": run_url.rsplit("/actions/", 1)[0] + "/actions" if run_url else builder_id},
                "metadata": {"invocationId": run_url or f"local:{record.service}:{record.version}",
                             "startedOn": started_on, "finishedOn": finished_on},
                "byproducts": byproducts or [],
            },
        },
    }
