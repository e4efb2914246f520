"""`companyos record`: write the release record from what CI's jobs produced (image digest, SBOM, cosign
signature, scan report), the one input `pulumi up` deploys (ADR-0011)."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import click

from companyos.commands.output import STDOUT, say, write_data
from companyos.contracts.errors import UserError
from companyos.contracts.release_record import (
    AttestationRef,
    ImageRef,
    ReleaseRecord,
    SignatureRef,
)
from companyos.supply_chain import public_key_fingerprint, verify
from companyos.supply_chain.attestation import judge_attestations
from companyos.supply_chain.cosign import signature_tag
from companyos.supply_chain.record_attestations import claims_of
from companyos.supply_chain.reference import parse_pinned_reference
from companyos.supply_chain.release import (
    attestation_refs,
    new_release_record,
    read_envelope_lines,
    read_json_lines,
    sbom_ref,
)
from companyos.supply_chain.vulnerabilities import load_report, not_scanned

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def cosign_signature(path: Path, repository: str, digest: str, public_keys: list[bytes]) -> SignatureRef:
    """Pick, from `cosign download signature` output (one JSON object per line: Base64Signature, Payload),
    the signature that verifies for this digest under a trusted key."""
    lines = read_json_lines(path, "`cosign download signature` output")
    for entry in lines:
        payload_b64, signature_b64 = entry.get("Payload", ""), entry.get("Base64Signature", "")
        try:
            payload = base64.b64decode(payload_b64, validate=True)
        except ValueError:
            continue
        result = verify(payload, signature_b64, public_keys, expected_digest=digest)
        if result.verified:
            return SignatureRef(
                ref=f"{repository}:{signature_tag(digest)}",
                payload_b64=payload_b64,
                signature_b64=signature_b64,
                key_fingerprint=result.key_fingerprint or "",
            )
    raise UserError(
        f"{path}: none of its {len(lines)} signature(s) verifies for {repository}@{digest} under the "
        "trusted key(s); sign the image (CI `sign` job) before recording the release"
    )


def cosign_attestations(path: Path, record: ReleaseRecord, public_keys: list[bytes]) -> tuple[AttestationRef, ...]:
    """From `cosign download attestation` output (every attestation in the registry, whoever pushed it), the ones a
    trusted key made for this digest, refused unless together they are the evidence the policy gate will demand."""
    envelopes = read_envelope_lines(path)
    verdict = judge_attestations(envelopes, public_keys, record.image.digest, claims_of(record), ignore_untrusted=True)
    if not verdict.ok:
        raise UserError(
            f"{path}: the attestations do not vouch for this release:\n  - "
            + "\n  - ".join(verdict.problems + [f"(left out) {why}" for why in verdict.ignored])
            + "\n  Fix: attest the image in the CI `sign` job (cyclonedx, vuln, slsaprovenance1) with the "
            "key given as --key, from the same SBOM and scan report given here.",
            exit_code=1,
        )
    for why in verdict.ignored:
        click.echo(f"left out of the record: {why}", err=True)
    kept = [envelopes[index] for index in verdict.trusted]
    return attestation_refs(kept, record.image.repository, record.image.digest)


@click.command("record")
@click.argument("service")
@click.option("--image", "image_ref", required=True, help="REPOSITORY@sha256:... that was built, signed and scanned.")
@click.option("--version", required=True)
@click.option("--git-commit", default="", help="Commit the image was built from.")
@click.option("--sbom", "sbom_path", type=FILE, help="The merged CycloneDX SBOM.")
@click.option("--sbom-location", help="Where the SBOM is stored (oci://... or https://...).")
@click.option(
    "--signatures", "signatures_path", type=FILE, required=True, help="`cosign download signature IMAGE` output."
)
@click.option("--key", "key_paths", multiple=True, required=True, help="Trusted cosign.pub (repeatable).")
@click.option("--scan", "scan_path", type=FILE, help="Scanner report (grype JSON or CycloneDX vulnerabilities).")
@click.option("--scan-format", type=click.Choice(["grype", "cyclonedx"]), default="grype", show_default=True)
@click.option(
    "--attestations",
    "attestations_path",
    type=FILE,
    help="`cosign download attestation IMAGE` output (one DSSE envelope per line).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def command(
    service: str,
    image_ref: str,
    version: str,
    git_commit: str,
    sbom_path: Path | None,
    sbom_location: str | None,
    signatures_path: Path,
    key_paths: tuple[str, ...],
    scan_path: Path | None,
    scan_format: str,
    attestations_path: Path | None,
    out: Path,
) -> None:
    """Write SERVICE's release record; refuses an image whose signature does not verify."""
    reference = parse_pinned_reference(image_ref, option="--image", why="a release pins REPOSITORY@sha256:...")
    keys = []
    for key in key_paths:
        try:
            keys.append(Path(key).read_bytes())
        except OSError as error:
            raise UserError(f"--key {key}: {error.strerror}") from None
    signature = cosign_signature(signatures_path, reference.repository, reference.digest, keys)
    image = ImageRef(repository=reference.repository, digest=reference.digest)
    record = new_release_record(
        service=service,
        version=version,
        git_commit=git_commit,
        image=image,
        sbom=sbom_ref(sbom_path, image, sbom_location or "") if sbom_path is not None else None,
        signature=signature,
        scan=load_report(scan_path, scan_format) if scan_path else not_scanned(),
    )
    if attestations_path is not None:
        record = replace(record, attestations=cosign_attestations(attestations_path, record, keys))
    write_data(out, record.to_json(), option="--out")
    say(
        f"release record {out}: {reference.repository}@{reference.digest}, signed by "
        f"{signature.key_fingerprint or public_key_fingerprint(keys[0])}",
        data_on_stdout=str(out) == STDOUT,
    )
