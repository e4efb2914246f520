"""`companyos record`: write the release record from what CI's jobs produced (image digest, SBOM, cosign
signature, scan report), the one input `pulumi up` deploys (ADR-0011)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import click

from companyos.errors import UserError
from companyos.release_record import (
    ImageRef,
    ReleaseRecord,
    SbomRef,
    SignatureRef,
    write_release_record,
)
from companyos.supply_chain import public_key_fingerprint, verify
from companyos.supply_chain.cosign import signature_tag
from companyos.supply_chain.reference import parse_pinned_reference
from companyos.supply_chain.vulnerabilities import load_report, not_scanned

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def cosign_signature(path: Path, repository: str, digest: str, public_keys: list[bytes]) -> SignatureRef:
    """Pick, from `cosign download signature` output (one JSON object per line: Base64Signature, Payload),
    the signature that verifies for this digest under a trusted key."""
    try:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: not `cosign download signature` output ({error})") from None
    for entry in lines:
        payload_b64, signature_b64 = entry.get("Payload", ""), entry.get("Base64Signature", "")
        try:
            payload = base64.b64decode(payload_b64, validate=True)
        except ValueError:
            continue
        result = verify(payload, signature_b64, public_keys, expected_digest=digest)
        if result.verified:
            return SignatureRef(ref=f"{repository}:{signature_tag(digest)}", payload_b64=payload_b64,
                                signature_b64=signature_b64, key_fingerprint=result.key_fingerprint or "")
    raise UserError(f"{path}: none of its {len(lines)} signature(s) verifies for {repository}@{digest} under the "
                    "trusted key(s); sign the image (CI `sign` job) before recording the release")


@click.command("record")
@click.argument("service")
@click.option("--image", "image_ref", required=True, help="REPOSITORY@sha256:... that was built, signed and scanned.")
@click.option("--version", required=True)
@click.option("--git-commit", default="", help="Commit the image was built from.")
@click.option("--sbom", "sbom_path", type=FILE, help="The merged CycloneDX SBOM.")
@click.option("--sbom-location", help="Where the SBOM is stored (oci://... or https://...).")
@click.option("--signatures", "signatures_path", type=FILE, required=True,
              help="`cosign download signature IMAGE` output.")
@click.option("--key", "key_paths", multiple=True, required=True, help="Trusted cosign.pub (repeatable).")
@click.option("--scan", "scan_path", type=FILE, help="Scanner report (grype JSON or CycloneDX vulnerabilities).")
@click.option("--scan-format", type=click.Choice(["grype", "cyclonedx"]), default="grype", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def command(service: str, image_ref: str, version: str, git_commit: str, sbom_path: Path | None,
            sbom_location: str | None, signatures_path: Path, key_paths: tuple[str, ...], scan_path: Path | None,
            scan_format: str, out: Path) -> None:
    """Write SERVICE's release record; refuses an image whose signature does not verify."""
    reference = parse_pinned_reference(image_ref, option="--image", why="a release pins REPOSITORY@sha256:...")
    keys = []
    for key in key_paths:
        try:
            keys.append(Path(key).read_bytes())
        except OSError as error:
            raise UserError(f"--key {key}: {error.strerror}") from None
    signature = cosign_signature(signatures_path, reference.repository, reference.digest, keys)
    sbom = None
    if sbom_path is not None:
        import hashlib

        data = sbom_path.read_bytes()
        sbom = SbomRef(digest="sha256:" + hashlib.sha256(data).hexdigest(),
                       location=sbom_location or f"oci://{reference.repository}@{reference.digest}",
                       components=len(json.loads(data).get("components", [])))
    record = ReleaseRecord(service=service, version=version, git_commit=git_commit,
                           image=ImageRef(repository=reference.repository, digest=reference.digest),
                           sbom=sbom, signature=signature,
                           scan=load_report(scan_path, scan_format) if scan_path else not_scanned())
    write_release_record(record, out)
    click.echo(f"release record {out}: {reference.repository}@{reference.digest}, signed by "
               f"{signature.key_fingerprint or public_key_fingerprint(keys[0])}")
