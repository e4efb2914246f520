"""`companyos verify-attestations RECORD --key KEY`: judge a release's attestations as the policy gate does.

Exit 0 verified, 1 rejected (each problem printed), 2 bad input. With --from-registry the envelopes are read from
the image's `.att` tag instead of the record, so a record that dropped an attestation is caught too.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from companyos.commands.verify import EXIT_REJECTED, read_public_key
from companyos.contracts.release_record import ReleaseRecord, load_release_record
from companyos.supply_chain.attestation import AttestationVerdict, ReleaseClaims, judge_attestations
from companyos.supply_chain.signature_store import fetch_attestations


def claims_of(record: ReleaseRecord) -> ReleaseClaims:
    scan = record.scan
    return ReleaseClaims(
        sbom_digest=record.sbom.digest if record.sbom else None,
        scan={"status": scan.status, "counts": scan.counts, "max_cvss": scan.max_cvss},
        git_commit=record.git_commit or None,
    )


def judge_record(record: ReleaseRecord, keys: list[bytes], *, from_registry: bool = False) -> AttestationVerdict:
    if from_registry:
        _, envelopes = fetch_attestations(record.image.pinned)
        raw: list[object] = list(envelopes)
    else:
        raw = [attestation.envelope for attestation in record.attestations]
    # From a registry, anyone who can push may add envelopes: those no trusted key made for this digest are left
    # out (and listed), as cosign verify-attestation does. A record's envelopes are all judged, as the gate does.
    return judge_attestations(raw, keys, record.image.digest, claims_of(record), ignore_untrusted=from_registry)


@click.command("verify-attestations")
@click.argument("record_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_paths", multiple=True, required=True, help="Trusted cosign.pub (repeatable).")
@click.option("--from-registry", is_flag=True, help="Read the envelopes from the registry's .att tag.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def command(record_path: Path, key_paths: tuple[str, ...], from_registry: bool, as_json: bool) -> None:
    """Check that RECORD's SBOM, scan and provenance are attested, signed by --key and bound to its image."""
    keys = [read_public_key(path) for path in key_paths]
    record = load_release_record(record_path)
    verdict = judge_record(record, keys, from_registry=from_registry)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "verified": verdict.ok,
                    "image": record.image.pinned,
                    "problems": verdict.problems,
                    "ignored": verdict.ignored,
                    "attested": {kind: len(found) for kind, found in verdict.verified.items()},
                    "key_fingerprints": sorted(verdict.key_fingerprints),
                },
                indent=2,
                sort_keys=True,
            )
        )
    elif verdict.ok:
        click.echo(f"attestations: verified for {record.image.pinned} ({verdict.summary()})")
        for why in verdict.ignored:
            click.echo(f"  (left out, not the release's) {why}")
    else:
        click.echo(f"attestations: REJECTED for {record.image.pinned}")
        for problem in verdict.problems:
            click.echo(f"  - {problem}")
    if not verdict.ok:
        raise SystemExit(EXIT_REJECTED)
