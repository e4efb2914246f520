"""The release record: one JSON file per release, written by CI (or `companyos release`), read by the
Pulumi program (`ServiceImage`) and the policy gate. It is the only way an image reaches a Deployment."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from companyos.contracts.errors import UserError
from companyos.support.files import atomic_write

SCHEMA = "paved-road.release/v1"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
REPOSITORY = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$")


@dataclass(frozen=True)
class ImageRef:
    repository: str
    digest: str
    tag: str = ""

    @property
    def pinned(self) -> str:
        """`repository@sha256:...`: the only form a Deployment may run."""
        return f"{self.repository}@{self.digest}"

    @property
    def tag_ref(self) -> str:
        """`repository:tag`, as a deploy that trusts a tag would name the image."""
        return f"{self.repository}:{self.tag}"


@dataclass(frozen=True)
class SbomRef:
    digest: str
    location: str
    format: str = "CycloneDX 1.6 JSON"
    components: int = 0


@dataclass(frozen=True)
class SignatureRef:
    """Where cosign stored the signature, plus the signed payload and signature so the gate can verify offline."""

    ref: str
    payload_b64: str
    signature_b64: str
    key_fingerprint: str = ""


@dataclass(frozen=True)
class AttestationRef:
    """One signed attestation (a DSSE envelope, as cosign stores it under the image's `.att` tag), carried whole
    so the gate verifies it offline."""

    predicate_type: str
    ref: str
    envelope: dict[str, Any]


@dataclass(frozen=True)
class ScanSummary:
    status: str  # "scanned" | "not-scanned"
    scanner: str = ""
    db_version: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    max_cvss: float = 0.0
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ReleaseRecord:
    service: str
    version: str
    git_commit: str
    image: ImageRef
    sbom: SbomRef | None = None
    signature: SignatureRef | None = None
    scan: ScanSummary = field(default_factory=lambda: ScanSummary(status="not-scanned"))
    created_at: str = ""
    attestations: tuple[AttestationRef, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"schema": SCHEMA, **asdict(self)}, indent=2, sort_keys=True) + "\n"


def parse_release_record(data: Any, source: str) -> ReleaseRecord:
    """Validate a decoded record; every problem names the field and the fix."""
    problems: list[str] = []

    def need(obj: Any, key: str, where: str, kind: type = str) -> Any:
        value = obj.get(key) if isinstance(obj, dict) else None
        if not isinstance(value, kind) or (kind is str and not value):
            problems.append(f"{where}{key}: missing or not a {kind.__name__}")
            return kind()
        return value

    if not isinstance(data, dict):
        raise UserError(
            f"{source}: a release record must be a JSON object. Fix: regenerate it with `companyos release`."
        )
    if data.get("schema") != SCHEMA:
        problems.append(f"schema: expected '{SCHEMA}', got {data.get('schema')!r}")
    image = need(data, "image", "", dict)
    digest = need(image, "digest", "image.")
    repository = need(image, "repository", "image.")
    if digest and not DIGEST.match(digest):
        problems.append(f"image.digest: '{digest}' is not sha256:<64 hex> (a tag is not a digest)")
    if repository and not REPOSITORY.match(repository):
        problems.append(f"image.repository: '{repository}' is not a registry/repository name without tag or digest")
    sbom = data.get("sbom")
    signature = data.get("signature")
    scan = data.get("scan") or {"status": "not-scanned"}
    if sbom is not None:
        need(sbom, "digest", "sbom.")
        need(sbom, "location", "sbom.")
    if signature is not None:
        for key in ("ref", "payload_b64", "signature_b64"):
            need(signature, key, "signature.")
    if not isinstance(scan, dict) or scan.get("status") not in ("scanned", "not-scanned"):
        problems.append("scan.status: must be 'scanned' or 'not-scanned'")
        scan = {"status": "not-scanned"}
    elif scan["status"] == "scanned":
        problems += _scan_result_problems(scan)
    attestations = _attestation_refs(data.get("attestations", []), problems)
    service = need(data, "service", "")
    version = need(data, "version", "")
    git_commit = data.get("git_commit", "") if isinstance(data.get("git_commit", ""), str) else ""
    if problems:
        raise UserError(
            f"{source}: invalid release record:\n  - "
            + "\n  - ".join(problems)
            + "\n  Fix: regenerate the record with `companyos release` (or the CI build job)."
        )
    return ReleaseRecord(
        service=service,
        version=version,
        git_commit=git_commit,
        image=ImageRef(repository=repository, digest=digest, tag=str(image.get("tag", ""))),
        sbom=SbomRef(**{k: sbom[k] for k in ("digest", "location", "format", "components") if k in sbom})
        if sbom
        else None,
        signature=SignatureRef(
            **{k: signature[k] for k in ("ref", "payload_b64", "signature_b64", "key_fingerprint") if k in signature}
        )
        if signature
        else None,
        scan=ScanSummary(
            **{k: scan[k] for k in ("status", "scanner", "db_version", "counts", "max_cvss", "findings") if k in scan}
        ),
        created_at=str(data.get("created_at", "")),
        attestations=attestations,
    )


MAX_ATTESTATIONS = 32


def _attestation_refs(value: Any, problems: list[str]) -> tuple[AttestationRef, ...]:
    """Shape only: whether each envelope is signed and bound to the image is the gate's judgement."""
    if not isinstance(value, list):
        problems.append("attestations: not a list")
        return ()
    if len(value) > MAX_ATTESTATIONS:
        problems.append(f"attestations: {len(value)} entries, more than the {MAX_ATTESTATIONS} a release carries")
        return ()
    refs = []
    for index, entry in enumerate(value):
        where = f"attestations[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: not an object with predicate_type, ref and envelope")
            continue
        predicate_type, ref, envelope = entry.get("predicate_type"), entry.get("ref"), entry.get("envelope")
        if (
            not isinstance(predicate_type, str)
            or not isinstance(ref, str)
            or not isinstance(envelope, dict)
            or not (predicate_type and ref and envelope)
        ):
            problems.append(f"{where}: predicate_type, ref (strings) and envelope (an object) are required")
            continue
        refs.append(AttestationRef(predicate_type=predicate_type, ref=ref, envelope=envelope))
    return tuple(refs)


# companyos.supply_chain.vulnerabilities.SEVERITIES, lower case as the scanners' reports are normalised.
SCAN_SEVERITIES = ("critical", "high", "medium", "low", "negligible", "unknown")
REQUIRED_COUNTS = ("critical", "high")


def _scan_result_problems(scan: dict[str, Any]) -> list[str]:
    """A scanned result must say what it found: a missing count is not a count of zero."""
    problems = []
    counts = scan.get("counts")
    if not isinstance(counts, dict):
        return ["scan.counts: missing or not an object; a scanned image needs its counts per severity"]
    for key, value in counts.items():
        if key not in SCAN_SEVERITIES:
            problems.append(f"scan.counts.{key}: not a severity ({', '.join(SCAN_SEVERITIES)}, lower case)")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"scan.counts.{key}: {value!r} is not a count (a non-negative integer)")
    problems += [
        f"scan.counts.{key}: missing (a missing count is not zero)" for key in REQUIRED_COUNTS if key not in counts
    ]
    cvss = scan.get("max_cvss")
    if isinstance(cvss, bool) or not isinstance(cvss, (int, float)) or not 0 <= cvss <= 10:
        problems.append(f"scan.max_cvss: {cvss!r} is not a CVSS score between 0 and 10")
    return problems


def load_release_record(path: str | Path) -> ReleaseRecord:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"{path}: release record not found. Fix: run the service's CI build (or "
            "`companyos release SERVICE --local`), or point paved-road:releaseRecord at an existing record."
        ) from None
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{path}: cannot read the release record ({exc}). Fix: regenerate it with `companyos release`."
        ) from None
    return parse_release_record(data, str(path))


def write_release_record(record: ReleaseRecord, path: str | Path) -> Path:
    """Atomic write: a reader never sees half a record."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, record.to_json())
