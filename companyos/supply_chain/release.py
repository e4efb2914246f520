"""Produce the release record from a build's evidence, and refuse to deploy a release that does not verify."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from companyos.contracts.errors import UserError
from companyos.contracts.release_record import (
    AttestationRef,
    ImageRef,
    ReleaseRecord,
    SbomRef,
    ScanSummary,
    SignatureRef,
    write_release_record,
)
from companyos.supply_chain.cosign import AttestationLayer, Fetcher, SignatureLayer, attestation_tag, verify_reference
from companyos.supply_chain.dsse import parse_envelope
from companyos.supply_chain.go_json import go_marshal
from companyos.supply_chain.intoto import parse_statement
from companyos.supply_chain.release_paths import RECORD_FILE, refuse_recorded, release_dir
from companyos.supply_chain.sbom import SPEC_VERSION
from companyos.supply_chain.verification import VerificationResult, verify


class ReleaseRejected(UserError):
    """The release must not be deployed; `result` carries the reason code (exit 1, like `companyos verify`)."""

    def __init__(self, result: VerificationResult, record: ReleaseRecord) -> None:
        super().__init__(
            f"refusing to deploy {record.service} {record.version} ({record.image.pinned}): "
            f"{result.reason}: {result.detail}",
            exit_code=1,
        )
        self.result = result


def signature_ref(layer: SignatureLayer, key_fingerprint: str) -> SignatureRef:
    return SignatureRef(
        ref=f"{layer.repository}:{layer.tag}",
        payload_b64=base64.b64encode(layer.payload).decode(),
        signature_b64=layer.signature_b64,
        key_fingerprint=key_fingerprint,
    )


def attestation_ref(layer: AttestationLayer) -> AttestationRef:
    return AttestationRef(
        predicate_type=layer.predicate_type, ref=f"{layer.repository}:{layer.tag}", envelope=json.loads(layer.envelope)
    )


def attestation_refs(
    envelopes: Sequence[dict[str, object]], repository: str, digest: str
) -> tuple[AttestationRef, ...]:
    """Record entries for envelopes read back from the registry (or `cosign download attestation`)."""
    refs = []
    for index, envelope in enumerate(envelopes):
        try:
            predicate_type = parse_statement(parse_envelope(envelope).payload).predicate_type
        except ValueError as error:
            raise UserError(
                f"attestation #{index + 1} is not an in-toto Statement in a DSSE envelope ({error}); "
                "download the image's attestations again"
            ) from None
        refs.append(
            AttestationRef(
                predicate_type=predicate_type, ref=f"{repository}:{attestation_tag(digest)}", envelope=dict(envelope)
            )
        )
    return tuple(refs)


def read_json_lines(path: Path, what: str) -> list[dict[str, Any]]:
    """One JSON object per line, as cosign's `download signature|attestation` print them; `what` names the output."""
    try:
        entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: not {what}, one JSON object per line ({error})") from None
    if not all(isinstance(entry, dict) for entry in entries):
        raise UserError(f"{path}: every line of {what} must be a JSON object")
    return entries


def read_envelope_lines(path: Path) -> list[dict[str, Any]]:
    """One DSSE envelope per line, as `cosign download attestation` (and `companyos attest --out`) write them."""
    return read_json_lines(path, "`cosign download attestation` output (DSSE envelopes)")


def read_signature_ref(path: Path) -> SignatureRef:
    """The evidence `companyos sign --out FILE` wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SignatureRef(
            **{key: str(data[key]) for key in ("ref", "payload_b64", "signature_b64", "key_fingerprint")}
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(
            f"{path}: not the signature evidence written by `companyos sign --out` ({error}); re-run the sign step"
        ) from None


def sbom_ref(path: Path, image: ImageRef, location: str = "") -> SbomRef:
    """The record's SBOM entry. The record names the SBOM by the sha256 of its file, and an SBOM attestation binds
    the sha256 of the SBOM as Go marshals it: only a file already in that form has one digest for both."""
    try:
        data = path.read_bytes()
        document = json.loads(data)
        canonical = go_marshal(document)
    except OSError as error:
        raise UserError(f"--sbom {path}: {error.strerror}") from None
    except ValueError as error:
        raise UserError(f"--sbom {path}: not a JSON SBOM ({error})") from None
    if canonical != data:
        raise UserError(
            f"--sbom {path}: the file is not in the form an SBOM attestation binds (Go's JSON "
            "marshalling: sorted keys, compact, no trailing newline), so its digest could never match "
            "the attested one; write it with `companyos sbom-merge` or `companyos sbom`"
        )
    components = document.get("components", []) if isinstance(document, dict) else []
    return SbomRef(
        digest="sha256:" + hashlib.sha256(data).hexdigest(),
        # Attached as an OCI referrer of the image unless the caller knows its exact location.
        location=location or f"oci://{image.pinned}",
        format=f"CycloneDX {SPEC_VERSION} JSON",
        components=len(components) if isinstance(components, list) else 0,
    )


def new_release_record(
    *,
    service: str,
    version: str,
    git_commit: str,
    image: ImageRef,
    sbom: SbomRef | None,
    signature: SignatureRef | None,
    scan: ScanSummary | None,
    attestations: tuple[AttestationRef, ...] = (),
) -> ReleaseRecord:
    """The one way a release record is made, for `companyos record` (CI) and the local release alike."""
    return ReleaseRecord(
        service=service,
        version=version,
        git_commit=git_commit,
        image=image,
        sbom=sbom,
        signature=signature,
        scan=scan or ScanSummary(status="not-scanned"),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        attestations=attestations,
    )


def record_release(
    *,
    service: str,
    version: str,
    image_repository: str,
    digest: str,
    sbom_path: Path | None,
    sbom_location: str,
    signature: SignatureRef | None,
    scan: ScanSummary | None,
    git_commit: str,
    work: Path,
    tag: str = "",
    attestations: tuple[AttestationRef, ...] = (),
) -> tuple[ReleaseRecord, Path]:
    """Make the record and write it to `<work>/releases/<service>/<version>/release.json` (atomically)."""
    image = ImageRef(repository=image_repository, digest=digest, tag=tag)
    record = new_release_record(
        service=service,
        version=version,
        git_commit=git_commit,
        image=image,
        sbom=sbom_ref(sbom_path, image, sbom_location) if sbom_path is not None else None,
        signature=signature,
        scan=scan,
        attestations=attestations,
    )
    folder = release_dir(work, service, version)
    refuse_recorded(folder, "record", digest=digest)  # re-recording the same image is fine; another one is not
    path = write_release_record(record, folder / RECORD_FILE)
    return record, path


def verify_release(record: ReleaseRecord, public_keys: Sequence[bytes], fetch: Fetcher) -> VerificationResult:
    """Check a release before deploying it; the first failing check's result is returned.

    1. the record's own payload and signature verify under a trusted key for its digest and repository
       (the evidence the policy gate sees offline);
    2. the release's tag still points at that digest (a re-pointed tag means someone pushed over the release);
    3. the registry still serves that digest with a trusted cosign signature next to it.
    """
    image = record.image
    if record.signature is None:
        return VerificationResult(
            False,
            "no-signature",
            f"the release record of {record.service} {record.version} "
            "has no signature; sign the image with `companyos sign` and re-record the release",
        )
    try:
        payload = base64.b64decode(record.signature.payload_b64, validate=True)
    except ValueError:
        return VerificationResult(
            False,
            "malformed-payload",
            "signature.payload_b64 in the release record is not base64; regenerate the record",
        )
    offline = verify(
        payload,
        record.signature.signature_b64,
        public_keys,
        expected_digest=image.digest,
        expected_reference=image.repository,
    )
    if not offline.verified:
        return offline
    # By tag when the release names one: a tag re-pointed since the release is refused, not just an unsigned digest.
    reference = f"{image.repository}:{image.tag}" if image.tag else image.pinned
    return verify_reference(reference, public_keys, fetch, digest=image.digest)


def require_verified_release(record: ReleaseRecord, public_keys: Sequence[bytes], fetch: Fetcher) -> VerificationResult:
    """verify_release, raising ReleaseRejected (exit 1) when the release must not be deployed."""
    result = verify_release(record, public_keys, fetch)
    if not result.verified:
        raise ReleaseRejected(result, record)
    return result
