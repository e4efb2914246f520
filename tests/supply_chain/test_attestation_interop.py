"""Our DSSE/in-toto reading against real envelopes made by cosign and the DSSE specification's vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companyos.supply_chain.dsse import IN_TOTO_PAYLOAD_TYPE, pae, parse_envelope, verify_envelope
from companyos.supply_chain.intoto import STATEMENT_V01, VULN_PREDICATE, StatementError, parse_statement

FIXTURES = Path(__file__).parent / "fixtures" / "cosign-attestations"
BLOB = FIXTURES / "cosign-verify-blob-attestation-test"
DISTROLESS = FIXTURES / "policy-controller-distroless-vuln-keyless"
BUNDLE = FIXTURES / "cosign-testdata-oci-attestation-keyless"
SPEC = FIXTURES / "dsse-spec-ecdsa-p256-vector"
OTHER_KEY = Path(__file__).parent / "fixtures" / "cosign-interop" / "cosign.pub"
BLOB_SHA256 = "sha256:658781cd4ed9bca60dacd09f7bb914bb51502e8b5d619f57f39a1d652596cc24"  # sha256(b"some-payload")


def envelope(path: Path):
    return parse_envelope(path.read_bytes())


@pytest.mark.parametrize("path", sorted(BLOB.glob("envelope.*.json")), ids=lambda p: p.stem)
def test_every_envelope_cosign_attest_blob_wrote_verifies_under_its_key_and_no_other(path: Path) -> None:
    parsed = envelope(path)
    assert parsed.payload_type == IN_TOTO_PAYLOAD_TYPE
    assert verify_envelope(parsed, [(BLOB / "key.pub").read_bytes()]).verified
    refused = verify_envelope(parsed, [OTHER_KEY.read_bytes()])
    assert not refused.verified and "verifies under none of the 1 trusted key(s)" in refused.detail


@pytest.mark.parametrize(
    ("name", "binds_blob"),
    [
        ("blobSLSAProvenanceSignature", True),
        ("dssePredicateMultipleSubjects", True),
        ("dssePredicateMultipleSubjectsInvalid", False),
        ("dssePredicateMissingSha256", None),
        ("dssePredicateEmptySubject", None),
    ],
)
def test_subject_binding_agrees_with_cosigns_own_expectations(name: str, binds_blob: bool | None) -> None:
    """cosign's test expects the invalid, sha256-less and empty-subject statements to fail its claims check."""
    payload = envelope(BLOB / f"envelope.{name}.json").payload
    if binds_blob is None:
        with pytest.raises(StatementError, match="subject"):
            parse_statement(payload)
        return
    statement = parse_statement(payload)
    assert statement.statement_type == STATEMENT_V01
    assert statement.predicate_type == "https://slsa.dev/provenance/v0.2"
    assert statement.names_digest(BLOB_SHA256) is binds_blob


def test_a_real_vuln_attestation_verifies_and_reads_as_cosigns_vuln_predicate() -> None:
    parsed = envelope(DISTROLESS / "envelope.json")
    assert verify_envelope(parsed, [(DISTROLESS / "key.pub").read_bytes()]).verified
    statement = parse_statement(parsed.payload)
    # Written before cosign 2.0, without the scheme; read as today's predicate type.
    assert json.loads(parsed.payload)["predicateType"] == "cosign.sigstore.dev/attestation/vuln/v1"
    assert statement.predicate_type == VULN_PREDICATE
    assert statement.names_digest("sha256:a1e82f6a5f6dfc735165d3442e7cc5a615f72abac3db19452481f5f3c90fbfa8")
    assert set(statement.predicate) == {"invocation", "scanner", "metadata"}
    assert statement.predicate["metadata"]["scanFinishedOn"] == "2022-07-29T02:28:48Z"


def test_the_same_vuln_attestation_with_its_payload_edited_is_refused() -> None:
    edited = envelope(DISTROLESS / "envelope.NEGATIVE-payload-edited.json")
    original = envelope(DISTROLESS / "envelope.json")
    assert edited.signatures == original.signatures and edited.payload != original.payload
    assert not verify_envelope(edited, [(DISTROLESS / "key.pub").read_bytes()]).verified


def test_a_bundle_v03_envelope_without_keyid_verifies() -> None:
    raw = json.loads((BUNDLE / "envelope.json").read_bytes())
    assert all("keyid" not in signature for signature in raw["signatures"])
    assert verify_envelope(envelope(BUNDLE / "envelope.json"), [(BUNDLE / "key.pub").read_bytes()]).verified


def test_the_dsse_spec_vector_pae_and_signature_as_cosign_reads_them() -> None:
    published = envelope(SPEC / "envelope.json")
    assert pae(published.payload_type, published.payload) == b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    key = [(SPEC / "key.pub").read_bytes()]
    # The spec signs raw r||s; cosign (and we) accept ASN.1 DER only, so the published form is refused...
    refused = verify_envelope(published, key)
    assert not refused.verified and "not an ASN.1 DER ECDSA signature" in refused.detail
    # ...and the same r, s in DER verifies.
    assert verify_envelope(envelope(SPEC / "envelope.der-variant.DERIVED.json"), key).verified


VECTORS = json.loads((FIXTURES / "dsse-testvectors" / "vectors.json").read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS if v["id"] != "payload-type-swapped" and v["envelope"].get("payloadType")],
    ids=lambda v: v["id"],
)
def test_pae_bytes_equal_the_dsse_projects_vectors(vector: dict) -> None:
    """Lengths are UTF-8 byte counts (the non-ASCII vector), empty payloads keep their trailing space, URL-safe
    base64 decodes to the same bytes."""
    parsed = parse_envelope(vector["envelope"]) if vector["envelope"]["payload"] else None
    payload = parsed.payload if parsed else b""
    assert pae(vector["envelope"]["payloadType"], payload).hex() == vector["pae"]
