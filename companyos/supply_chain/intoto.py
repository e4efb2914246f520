"""in-toto Statements as cosign writes them for `cosign attest --key --type <type>`, and the reading of one.

cosign (pkg/cosign/attestation) wraps a predicate in an in-toto Statement v0.1 whose one subject is the image
repository with the manifest's sha256 hex; the Statement is marshalled by Go (struct field order for the header,
sorted keys inside a predicate decoded into a map). Statement v1 is read too: it differs only in `_type`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from companyos.supply_chain.go_json import GoJsonError, go_field, go_marshal, strict_loads
from companyos.supply_chain.reference import parse_digest

STATEMENT_V01 = "https://in-toto.io/Statement/v0.1"
STATEMENT_V1 = "https://in-toto.io/Statement/v1"
STATEMENT_TYPES = (STATEMENT_V01, STATEMENT_V1)

# cosign attest --type cyclonedx | vuln | slsaprovenance1 (in-toto-golang predicate constants, cosign's vuln type).
CYCLONEDX_PREDICATE = "https://cyclonedx.org/bom"
VULN_PREDICATE = "https://cosign.sigstore.dev/attestation/vuln/v1"
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
# cosign before 2.0 wrote its own predicate types without the scheme (real vuln attestations carry this form).
PREDICATE_ALIASES = {"cosign.sigstore.dev/attestation/vuln/v1": VULN_PREDICATE}
PREDICATE_NAMES = {
    CYCLONEDX_PREDICATE: "SBOM",
    VULN_PREDICATE: "vulnerability scan",
    SLSA_PROVENANCE_V1: "SLSA provenance",
}
COSIGN_TYPES = {CYCLONEDX_PREDICATE: "cyclonedx", VULN_PREDICATE: "vuln", SLSA_PROVENANCE_V1: "slsaprovenance1"}


class StatementError(ValueError):
    """The payload is not an in-toto Statement; the message names the field."""


@dataclass(frozen=True)
class Statement:
    statement_type: str
    predicate_type: str
    subjects: tuple[tuple[str, Mapping[str, str]], ...]  # (name, digest set)
    predicate: Any

    def names_digest(self, digest: str) -> bool:
        """True when a subject's sha256 is `digest` (sha256:<hex>); other algorithms never bind an image."""
        wanted = parse_digest(digest).removeprefix("sha256:")
        return any(digests.get("sha256") == wanted for _, digests in self.subjects)

    def subject_digests(self) -> list[str]:
        return [
            f"sha256:{digests['sha256']}" if "sha256" in digests else json.dumps(dict(digests))
            for _, digests in self.subjects
        ]


def statement_payload(repository: str, digest: str, predicate_type: str, predicate: Any) -> bytes:
    """The Statement as cosign marshals it: the header in in_toto.StatementHeader field order, then the predicate
    as Go marshals a decoded map (sorted keys). Byte-exact for an SBOM predicate, which cosign decodes into a map;
    cosign writes its vuln and SLSA structs in declaration order instead, which changes bytes, never meaning."""
    hex_digest = parse_digest(digest).removeprefix("sha256:")

    def text(value: object) -> str:
        return go_marshal(value).decode("utf-8")

    subject = f'[{{"name":{text(repository)},"digest":{text({"sha256": hex_digest})}}}]'
    return (
        f'{{"_type":{text(STATEMENT_V01)},"predicateType":{text(predicate_type)},"subject":{subject},'
        f'"predicate":{text(predicate)}}}'
    ).encode()


def parse_statement(payload: bytes) -> Statement:
    try:
        document = strict_loads(payload)
    except GoJsonError as error:
        raise StatementError(f"the statement is {error}") from None
    if not isinstance(document, dict):
        raise StatementError("the statement is not a JSON object")
    statement_type = _field(document, "_type")
    if statement_type not in STATEMENT_TYPES:
        raise StatementError(f"_type is {statement_type!r}, not an in-toto Statement ({', '.join(STATEMENT_TYPES)})")
    predicate_type = _field(document, "predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        raise StatementError("predicateType is missing or not a string")
    subjects = _field(document, "subject")
    if not isinstance(subjects, list) or not subjects:
        raise StatementError("subject is missing or empty: the statement is bound to nothing")
    parsed = []
    for index, subject in enumerate(subjects):
        digests = go_field(subject, "digest")[1] if isinstance(subject, dict) else None
        if (
            not isinstance(digests, dict)
            or not digests
            or not all(isinstance(key, str) and isinstance(value, str) for key, value in digests.items())
        ):
            raise StatementError(f"subject[{index}].digest is not a map of algorithm to hex digest")
        name = go_field(subject, "name")[1]
        parsed.append((name if isinstance(name, str) else "", dict(digests)))
    found, predicate = go_field(document, "predicate")
    if not found or predicate is None:
        raise StatementError("predicate is missing")
    return Statement(statement_type, PREDICATE_ALIASES.get(predicate_type, predicate_type), tuple(parsed), predicate)


def _field(document: dict[str, Any], name: str) -> Any:
    found, value = go_field(document, name)
    if not found:
        raise StatementError(f"{name} is missing")
    return value
