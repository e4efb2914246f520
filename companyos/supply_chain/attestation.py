"""Release attestations: the predicates a release attests (SBOM, vulnerability scan, SLSA provenance), and the
one judgement of whether a set of DSSE envelopes is evidence for a deployed digest and its release record.

`judge_attestations` is shared by the CrossGuard pack (offline, from the workload's annotation) and
`companyos verify-attestations` (from the release record or the registry). It does no I/O and never raises on
hostile envelope bytes: every envelope it cannot trust is a problem in the verdict, never skipped, because an
envelope nobody can check is not evidence and may be an attempt to smuggle some in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from companyos.supply_chain.dsse import (
    IN_TOTO_PAYLOAD_TYPE,
    Envelope,
    EnvelopeError,
    parse_envelope,
    verify_envelope,
)
from companyos.supply_chain.go_json import go_marshal
from companyos.supply_chain.intoto import (
    CYCLONEDX_PREDICATE,
    PREDICATE_NAMES,
    SLSA_PROVENANCE_V1,
    VULN_PREDICATE,
    Statement,
    StatementError,
    parse_statement,
)

REQUIRED_PREDICATES = (CYCLONEDX_PREDICATE, VULN_PREDICATE, SLSA_PROVENANCE_V1)
# Scanned-result fields the release record must repeat exactly from the latest attested scan.
SCAN_FIELDS = ("status", "counts", "max_cvss")
# Base images appear in provenance as package URLs of OCI images (purl spec: docker and oci types).
IMAGE_PURL_PREFIXES = ("pkg:docker/", "pkg:oci/")
# Byproducts a provenance names so the record cannot drop them: the SBOM (by the file's sha256) and the scan.
SBOM_BYPRODUCT = "sbom"
SCAN_BYPRODUCT = "vulnerability-scan"


# --- predicates ------------------------------------------------------------------------------------------------


def sbom_digest_of(predicate: Any) -> str:
    """The digest an SBOM predicate attests: sha256 of its Go marshalling, which is also the SBOM file's bytes
    (companyos writes the SBOM in that form, and cosign re-marshals a cyclonedx predicate the same way)."""
    return "sha256:" + hashlib.sha256(go_marshal(predicate)).hexdigest()


def vuln_predicate(
    scan: Mapping[str, Any],
    *,
    scanner_uri: str,
    scanner_version: str,
    db_uri: str,
    db_version: str,
    started_on: str,
    finished_on: str,
    builder_id: str = "",
    invocation_uri: str = "",
) -> dict[str, Any]:
    """cosign's CosignVulnPredicate (pkg/cosign/attestation): the normalised scan summary is the `result`."""
    return {
        "invocation": {"parameters": None, "uri": invocation_uri, "event_id": "", "builder.id": builder_id},
        "scanner": {
            "uri": scanner_uri,
            "version": scanner_version,
            "db": {"uri": db_uri, "version": db_version},
            "result": dict(scan),
        },
        "metadata": {"scanStartedOn": started_on, "scanFinishedOn": finished_on},
    }


@dataclass(frozen=True)
class Dependency:
    uri: str
    digest: Mapping[str, str]
    name: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "digest": dict(self.digest), **({"name": self.name} if self.name else {})}


def provenance_predicate(
    *,
    build_type: str,
    builder_id: str,
    external_parameters: Mapping[str, Any],
    dependencies: Sequence[Dependency],
    invocation_id: str,
    started_on: str,
    finished_on: str,
    internal_parameters: Mapping[str, Any] | None = None,
    byproducts: Sequence[Dependency] = (),
) -> dict[str, Any]:
    """SLSA provenance v1 (slsa.dev/spec/v1.0/provenance): what was built, from what, by whom, and what else the
    build produced (the SBOM and the scan report, by digest: `SBOM_BYPRODUCT`, `SCAN_BYPRODUCT`)."""
    build_definition: dict[str, Any] = {
        "buildType": build_type,
        "externalParameters": dict(external_parameters),
        "resolvedDependencies": [dep.as_dict() for dep in dependencies],
    }
    if internal_parameters:
        build_definition["internalParameters"] = dict(internal_parameters)
    run_details: dict[str, Any] = {
        "builder": {"id": builder_id},
        "metadata": {"invocationId": invocation_id, "startedOn": started_on, "finishedOn": finished_on},
    }
    if byproducts:
        run_details["byproducts"] = [byproduct.as_dict() for byproduct in byproducts]
    return {"buildDefinition": build_definition, "runDetails": run_details}


# --- judgement -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseClaims:
    """What the release record (or the workload's annotations copied from it) says about the image."""

    sbom_digest: str | None
    scan: Mapping[str, Any] | None
    git_commit: str | None


@dataclass
class AttestationVerdict:
    problems: list[str] = field(default_factory=list)
    verified: dict[str, list[Statement]] = field(default_factory=dict)
    key_fingerprints: set[str] = field(default_factory=set)
    trusted: list[int] = field(default_factory=list)
    """Indexes of the envelopes that verified and are bound to the image, in input order."""
    ignored: list[str] = field(default_factory=list)
    """Why each envelope left out under `ignore_untrusted` was left out."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        kinds = ", ".join(f"{PREDICATE_NAMES.get(kind, kind)} x{len(found)}" for kind, found in self.verified.items())
        return f"verified: {kinds or 'none'}"


def judge_attestations(
    envelopes: Sequence[object],
    public_keys: Sequence[bytes],
    image_digest: str,
    claims: ReleaseClaims,
    required: Sequence[str] = REQUIRED_PREDICATES,
    *,
    ignore_untrusted: bool = False,
) -> AttestationVerdict:
    """Every envelope must verify, be bound to `image_digest` and carry a known predicate; every required
    predicate must be attested; the record's claims must be what was attested.

    `ignore_untrusted` is for envelopes read from a registry, where anyone who can push may add some (as
    `cosign verify-attestation` does, those not signed by a trusted key for this digest are left out and
    listed in `ignored`); a release record's envelopes are all judged."""
    verdict = AttestationVerdict()
    misbound: set[str] = set()  # kinds already reported as made for another image: "none verified" adds nothing
    for index, raw in enumerate(envelopes):
        what = f"attestation #{index + 1}"
        statement, problem, fingerprint = _open(raw, public_keys, image_digest, what)
        if problem:
            (verdict.ignored if ignore_untrusted else verdict.problems).append(problem)
            if statement is not None and not ignore_untrusted:
                misbound.add(statement.predicate_type)
            continue
        assert statement is not None
        verdict.trusted.append(index)
        verdict.key_fingerprints.add(fingerprint)
        verdict.verified.setdefault(statement.predicate_type, []).append(statement)
    for kind in required:
        if kind in misbound and kind not in verdict.verified:
            continue
        if kind not in verdict.verified and not (kind == VULN_PREDICATE and _not_scanned(claims)):
            verdict.problems.append(
                f"no verified {PREDICATE_NAMES.get(kind, kind)} attestation ({kind}) for {image_digest}"
            )
    verdict.problems += _sbom_problems(verdict.verified.get(CYCLONEDX_PREDICATE, []), claims)
    verdict.problems += _scan_problems(verdict.verified.get(VULN_PREDICATE, []), claims)
    scan_attested = VULN_PREDICATE in verdict.verified and not _not_scanned(claims)
    verdict.problems += _provenance_problems(verdict.verified.get(SLSA_PROVENANCE_V1, []), claims, scan_attested)
    return verdict


def _open(raw: object, public_keys: Sequence[bytes], image_digest: str, what: str) -> tuple[Statement | None, str, str]:
    """(statement, "", signing key fingerprint) for a trusted envelope bound to the image; (statement, why, "") for
    a trusted statement made for another image; (None, why, "") for anything else."""
    try:
        envelope: Envelope = parse_envelope(raw)
    except EnvelopeError as error:
        return None, f"{what} is not a DSSE envelope: {error}", ""
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE:
        return None, f"{what} has payloadType {envelope.payload_type!r}, not {IN_TOTO_PAYLOAD_TYPE!r}", ""
    signed = verify_envelope(envelope, public_keys)
    if not signed.verified:
        return None, f"{what} is not signed by a trusted key: {signed.detail}", ""
    try:
        statement = parse_statement(envelope.payload)
    except StatementError as error:
        return None, f"{what} is signed but not an in-toto Statement: {error}", ""
    kind = PREDICATE_NAMES.get(statement.predicate_type)
    if kind is None:
        return (
            None,
            (
                f"{what} attests predicate type {statement.predicate_type!r}, which the gate does not judge "
                f"(known: {', '.join(PREDICATE_NAMES)}); drop it from the release record"
            ),
            "",
        )
    if not statement.names_digest(image_digest):
        return (
            statement,
            (
                f"{what} ({kind}) is bound to {', '.join(statement.subject_digests())}, not the deployed "
                f"{image_digest}: it was made for another image"
            ),
            "",
        )
    return statement, "", signed.key_fingerprint or ""


def _not_scanned(claims: ReleaseClaims) -> bool:
    return claims.scan is not None and claims.scan.get("status") == "not-scanned"


def _sbom_problems(statements: list[Statement], claims: ReleaseClaims) -> list[str]:
    if not statements:
        return []
    attested = sorted({_safe_sbom_digest(statement.predicate) for statement in statements})
    if claims.sbom_digest is None:
        return [f"the release names no SBOM digest, while {', '.join(attested)} is attested"]
    if claims.sbom_digest not in attested:
        return [
            f"the release's SBOM digest {claims.sbom_digest} is not the attested SBOM ({', '.join(attested)}): "
            "the record points at an SBOM the signer never attested"
        ]
    return []


def _safe_sbom_digest(predicate: Any) -> str:
    try:
        return sbom_digest_of(predicate)
    except ValueError:
        return "an SBOM that cannot be re-serialised"


def _scan_problems(statements: list[Statement], claims: ReleaseClaims) -> list[str]:
    if not statements:
        return []
    if claims.scan is None:
        return ["the release carries no scan result, while a scan is attested"]
    dated = []
    for statement in statements:
        finished = _finished_on(statement.predicate)
        if finished is None:
            return [
                "an attested scan has no RFC 3339 metadata.scanFinishedOn, so the latest scan cannot be told "
                "apart from an older one"
            ]
        dated.append((finished, statement))
    latest = max(dated, key=lambda pair: pair[0])[1]
    result = _dig(latest.predicate, "scanner", "result")
    if not isinstance(result, dict):
        return [
            "the latest attested scan has no scanner.result object (companyos' scan summary); attest the "
            "output of `companyos attest-predicate vuln`"
        ]
    if claims.scan.get("status") == "not-scanned":
        return [
            "the release says the image was not scanned, but a signed scan of it exists: the record hides "
            "the scan; record the attested result"
        ]
    differing = [name for name in SCAN_FIELDS if claims.scan.get(name) != result.get(name)]
    if differing:
        return [
            f"the release's scan ({', '.join(f'{name}={claims.scan.get(name)!r}' for name in differing)}) is "
            f"not the latest attested scan ({', '.join(f'{name}={result.get(name)!r}' for name in differing)})"
        ]
    return []


def _finished_on(predicate: Any) -> datetime | None:
    value = _dig(predicate, "metadata", "scanFinishedOn")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _provenance_problems(statements: list[Statement], claims: ReleaseClaims, scan_attested: bool) -> list[str]:
    if not statements:
        return []
    reasons: list[str] = []
    for statement in statements:
        problem = _provenance_problem(statement.predicate, claims, scan_attested)
        if problem is None:
            return []
        reasons.append(problem)
    return [f"no attested provenance fits the release: {'; '.join(sorted(set(reasons)))}"]


def _provenance_problem(predicate: Any, claims: ReleaseClaims, scan_attested: bool) -> str | None:
    builder = _dig(predicate, "runDetails", "builder", "id")
    if not isinstance(builder, str) or not builder:
        return "runDetails.builder.id is missing"
    if not isinstance(_dig(predicate, "buildDefinition", "buildType"), str):
        return "buildDefinition.buildType is missing"
    dependencies = _dig(predicate, "buildDefinition", "resolvedDependencies")
    if not isinstance(dependencies, list):
        return "buildDefinition.resolvedDependencies is missing"
    commits = {
        dep["digest"].get("gitCommit")
        for dep in dependencies
        if isinstance(dep, dict) and isinstance(dep.get("digest"), dict)
    }
    if not claims.git_commit:
        return "the release names no git commit to match the provenance's source"
    if claims.git_commit not in commits:
        return f"resolvedDependencies do not include the source commit {claims.git_commit}"
    if not any(
        isinstance(dep, dict)
        and str(dep.get("uri", "")).startswith(IMAGE_PURL_PREFIXES)
        and isinstance(dep.get("digest"), dict)
        and isinstance(dep["digest"].get("sha256"), str)
        for dep in dependencies
    ):
        return "resolvedDependencies name no base image by sha256 digest (a pkg:docker/ or pkg:oci/ URI)"
    return _byproduct_problem(_dig(predicate, "runDetails", "byproducts"), claims, scan_attested)


def _byproduct_problem(byproducts: Any, claims: ReleaseClaims, scan_attested: bool) -> str | None:
    """A byproduct the provenance names must be in the release: a record cannot swap the SBOM or drop the scan
    (and its attestation) to claim "not-scanned"."""
    if byproducts is None:
        return None
    if not isinstance(byproducts, list):
        return "runDetails.byproducts is not a list"
    named = {entry.get("name"): entry for entry in byproducts if isinstance(entry, dict)}
    sbom = named.get(SBOM_BYPRODUCT)
    if sbom is not None:
        raw_digest = sbom.get("digest")
        attested = f"sha256:{raw_digest.get('sha256') if isinstance(raw_digest, dict) else None}"
        if claims.sbom_digest != attested:
            return f"the build produced the SBOM {attested}, not the release's {claims.sbom_digest}"
    if SCAN_BYPRODUCT in named and not scan_attested:
        return (
            "the build scanned the image (a vulnerability-scan byproduct), but the release carries no attested "
            "scan result"
        )
    return None


def _dig(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
