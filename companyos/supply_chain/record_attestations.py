"""Judge a release record's attestations as the policy gate does: from the record, or read back from the registry
(where anyone with push rights may add envelopes, so the untrusted ones are left out and listed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from companyos.contracts.release_record import ReleaseRecord
from companyos.supply_chain.attestation import AttestationVerdict, ReleaseClaims, judge_attestations
from companyos.supply_chain.signature_store import fetch_attestations


def claims_of(record: ReleaseRecord) -> ReleaseClaims:
    scan = record.scan
    return ReleaseClaims(
        sbom_digest=record.sbom.digest if record.sbom else None,
        scan={"status": scan.status, "counts": scan.counts, "max_cvss": scan.max_cvss},
        git_commit=record.git_commit or None,
    )


def judge_record(record: ReleaseRecord, keys: Sequence[bytes], *, from_registry: bool = False) -> AttestationVerdict:
    if from_registry:
        _, envelopes = fetch_attestations(record.image.pinned)
        raw: list[object] = list(envelopes)
    else:
        raw = [attestation.envelope for attestation in record.attestations]
    # From a registry, anyone who can push may add envelopes: those no trusted key made for this digest are left
    # out (and listed), as cosign verify-attestation does. A record's envelopes are all judged, as the gate does.
    return judge_attestations(raw, list(keys), record.image.digest, claims_of(record), ignore_untrusted=from_registry)


def verdict_report(record: ReleaseRecord, verdict: AttestationVerdict) -> dict[str, Any]:
    """The JSON `companyos verify-attestations --json` prints and the evidence pack reads."""
    return {
        "verified": verdict.ok,
        "image": record.image.pinned,
        "problems": verdict.problems,
        "ignored": verdict.ignored,
        "attested": {kind: len(found) for kind, found in verdict.verified.items()},
        "key_fingerprints": sorted(verdict.key_fingerprints),
    }
