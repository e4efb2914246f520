"""Attestations as an attacker who writes the release record (but holds no signing key) would try them."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest

from companyos.contracts.errors import UserError
from companyos.supply_chain.attestation import (
    ReleaseClaims,
    judge_attestations,
    sbom_digest_of,
    vuln_predicate,
)
from companyos.supply_chain.attestation_bundle import (
    MAX_DECOMPRESSED_BYTES,
    BundleError,
    decode_bundle,
    encode_bundle,
)
from companyos.supply_chain.cosign import attest_image
from companyos.supply_chain.dsse import pae, sign_envelope
from companyos.supply_chain.go_json import go_marshal
from companyos.supply_chain.intoto import (
    CYCLONEDX_PREDICATE,
    SLSA_PROVENANCE_V1,
    VULN_PREDICATE,
    parse_statement,
    statement_payload,
)
from companyos.supply_chain.provenance import BuildFacts, base_image_of, service_provenance
from tests.conftest import ReleaseSigner, digest_of, sample_sbom

REPOSITORY = "ghcr.io/paved-road/hello-prod"
DIGEST = digest_of("hello-prod:0.1.0")
OTHER = digest_of("payments-api:0.1.0")
SCAN = {"status": "scanned", "counts": {"critical": 0, "high": 0, "medium": 1}, "max_cvss": 5.3}
COMMIT = "0" * 40


@pytest.fixture(scope="module")
def signer() -> ReleaseSigner:
    return ReleaseSigner()


def envelopes_of(signer: ReleaseSigner, **release: object) -> tuple[list[dict], ReleaseClaims]:
    record = signer.release("hello-prod", **release)  # type: ignore[arg-type]
    envelopes = [attestation.envelope for attestation in record.attestations]
    claims = ReleaseClaims(
        sbom_digest=record.sbom.digest if record.sbom else None,
        scan={"status": record.scan.status, "counts": record.scan.counts, "max_cvss": record.scan.max_cvss},
        git_commit=record.git_commit,
    )
    return envelopes, claims


def attest(signer: ReleaseSigner, predicate_type: str, predicate: object, digest: str = DIGEST) -> dict:
    layer = attest_image(REPOSITORY, digest, predicate_type, predicate, signer.private_key, push=lambda _layer: None)
    return json.loads(layer.envelope)


def judge(signer: ReleaseSigner, envelopes: list, claims: ReleaseClaims, digest: str = DIGEST) -> list[str]:
    return judge_attestations(envelopes, [signer.public_pem], digest, claims).problems


def test_a_release_made_by_the_signer_is_evidence(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    verdict = judge_attestations(envelopes, [signer.public_pem], DIGEST, claims)
    assert verdict.ok, verdict.problems
    assert set(verdict.verified) == {CYCLONEDX_PREDICATE, VULN_PREDICATE, SLSA_PROVENANCE_V1}


# --- forged or borrowed envelopes ---------------------------------------------------------------------------


def test_envelopes_signed_by_another_key_are_refused(signer) -> None:
    envelopes, claims = envelopes_of(ReleaseSigner())
    problems = judge(signer, envelopes, claims)
    assert sum("is not signed by a trusted key" in p for p in problems) == 3


def test_a_payload_edited_after_signing_is_refused(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    vuln = envelopes[1]
    statement = json.loads(base64.b64decode(vuln["payload"]))
    statement["predicate"]["scanner"]["result"]["counts"]["medium"] = 0
    forged = {**vuln, "payload": base64.b64encode(json.dumps(statement).encode()).decode()}
    assert (
        "attestation #2 is not signed by a trusted key"
        in judge(signer, [envelopes[0], forged, envelopes[2]], claims)[0]
    )


def test_the_payload_type_is_signed_too(signer) -> None:
    """PAE covers the type: relabelling a signed payload breaks the signature, whatever the type says."""
    envelopes, claims = envelopes_of(signer)
    relabelled = [{**envelope, "payloadType": "application/vnd.in-toto+json; charset=utf-8"} for envelope in envelopes]
    assert all("payloadType" in p for p in judge(signer, relabelled, claims)[:3])
    other_type = sign_envelope(signer.private_key, base64.b64decode(envelopes[0]["payload"]), "text/plain").to_json()
    assert "has payloadType 'text/plain'" in judge(signer, [other_type, *envelopes[1:]], claims)[0]


def test_a_statement_for_another_image_is_refused_even_when_signed(signer) -> None:
    envelopes, claims = envelopes_of(signer, attested_digest=OTHER)
    problems = judge(signer, envelopes, claims)
    assert f"is bound to {OTHER}, not the deployed {DIGEST}" in problems[0]
    # One problem per misbound attestation; "none verified" for those kinds would repeat them.
    assert len(problems) == 3 and not any("no verified" in p for p in problems)


def test_a_subject_named_only_by_another_algorithm_binds_nothing(signer) -> None:
    payload = statement_payload(REPOSITORY, DIGEST, CYCLONEDX_PREDICATE, {}).replace(b'"sha256":', b'"sha512":')
    envelope = sign_envelope(signer.private_key, payload).to_json()
    assert "is bound to" in judge(signer, [envelope], ReleaseClaims(None, None, None))[0]


def test_keys_go_would_fold_together_are_refused(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    doubled = (
        f'{{"payloadType":"application/vnd.in-toto+json","payload":"{envelopes[0]["payload"]}",'
        f'"signatures":{json.dumps(envelopes[0]["signatures"])},"payloadtype":"x"}}'
    )
    assert "repeats a key" in judge(signer, [doubled.encode()], claims)[0]


def test_an_unknown_predicate_type_is_not_silently_ignored(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    extra = attest(signer, "https://example.com/always-compliant/v1", {"compliant": True})
    assert "which the gate does not judge" in judge(signer, [*envelopes, extra], claims)[0]


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        "text",
        [],
        {"payloadType": "application/vnd.in-toto+json"},
        {"payloadType": "application/vnd.in-toto+json", "payload": "!!", "signatures": []},
    ],
)
def test_garbage_in_the_bundle_is_a_problem_not_a_crash(signer, garbage) -> None:
    envelopes, claims = envelopes_of(signer)
    problems = judge(signer, [*envelopes, garbage], claims)
    assert problems and problems[0].startswith("attestation #4")


# --- records that claim what was not attested ---------------------------------------------------------------


def test_the_record_must_name_the_attested_sbom(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    problems = judge(signer, envelopes, replace(claims, sbom_digest=digest_of("a nicer SBOM")))
    assert problems[0] == (
        f"the release's SBOM digest {digest_of('a nicer SBOM')} is not the attested SBOM "
        f"({sbom_digest_of(sample_sbom('hello-prod', '0.1.0'))}): the record points at an SBOM the "
        "signer never attested"
    )
    assert "the build produced the SBOM" in problems[1] and len(problems) == 2


def test_the_record_must_repeat_the_attested_scan(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    cleaner = {**SCAN, "counts": {"critical": 0, "high": 0}, "max_cvss": 0.0}
    [problem] = judge(signer, envelopes, replace(claims, scan=cleaner))
    assert "is not the latest attested scan" in problem


def test_an_older_clean_scan_cannot_stand_in_for_the_latest(signer) -> None:
    """Both scans are signed; the record picks the older, cleaner one: the latest is what counts."""
    envelopes, claims = envelopes_of(signer)
    later = attest(
        signer,
        VULN_PREDICATE,
        vuln_predicate(
            {**SCAN, "counts": {"critical": 2, "high": 0}, "max_cvss": 9.8},
            scanner_uri="grype",
            scanner_version="1",
            db_uri="",
            db_version="v6",
            started_on="2026-02-01T00:00:00Z",
            finished_on="2026-02-01T00:01:00Z",
        ),
    )
    [problem] = judge(signer, [*envelopes, later], claims)
    assert "is not the latest attested scan (counts={'critical': 2, 'high': 0}, max_cvss=9.8)" in problem


def test_a_record_cannot_hide_a_signed_scan_behind_not_scanned(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    problems = judge(signer, envelopes, replace(claims, scan={"status": "not-scanned"}))
    assert "the record hides the scan" in problems[0]


def test_an_unscanned_release_needs_no_scan_attestation_but_everything_else(signer) -> None:
    from companyos.contracts.release_record import ScanSummary

    envelopes, claims = envelopes_of(signer, scan=ScanSummary(status="not-scanned"))
    assert len(envelopes) == 2 and judge(signer, envelopes, claims) == []
    problems = judge(signer, envelopes[:1], claims)
    assert problems == [f"no verified SLSA provenance attestation ({SLSA_PROVENANCE_V1}) for {DIGEST}"]


def test_provenance_must_name_the_released_commit_and_a_pinned_base(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    [problem] = judge(signer, envelopes, replace(claims, git_commit="f" * 40))
    assert f"resolvedDependencies do not include the source commit {'f' * 40}" in problem
    unpinned = json.loads(base64.b64decode(envelopes[2]["payload"]))["predicate"]
    unpinned["buildDefinition"]["resolvedDependencies"] = unpinned["buildDefinition"]["resolvedDependencies"][:1]
    [problem] = judge(signer, [*envelopes[:2], attest(signer, SLSA_PROVENANCE_V1, unpinned)], claims)
    assert "name no base image by sha256 digest" in problem


def test_a_scan_without_a_finish_time_cannot_be_ordered(signer) -> None:
    envelopes, claims = envelopes_of(signer)
    undated = json.loads(base64.b64decode(envelopes[1]["payload"]))["predicate"]
    del undated["metadata"]["scanFinishedOn"]
    [problem] = judge(signer, [envelopes[0], attest(signer, VULN_PREDICATE, undated), envelopes[2]], claims)
    assert "no RFC 3339 metadata.scanFinishedOn" in problem


# --- the annotation bundle ----------------------------------------------------------------------------------


def test_the_bundle_round_trips_and_is_deterministic(signer) -> None:
    envelopes, _ = envelopes_of(signer)
    assert decode_bundle(encode_bundle(envelopes)) == envelopes
    assert encode_bundle(envelopes) == encode_bundle(envelopes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("not base64!", "not standard base64"),
        (base64.b64encode(b"plain text").decode(), "not gzip data"),
        (base64.b64encode(gzip.compress(b"[]") + b"trailing").decode(), "followed by other data"),
        (base64.b64encode(gzip.compress(b"[]")[:-4]).decode(), "truncated"),
        (base64.b64encode(gzip.compress(b'{"a": 1}')).decode(), "not hold a JSON list"),
        (base64.b64encode(gzip.compress(json.dumps([{}] * 33).encode())).decode(), "33 envelopes"),
        ("A" * (256 * 1024 + 4), "more than the"),
    ],
)
def test_a_hostile_bundle_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        decode_bundle(text)


def test_a_payload_carried_as_text_has_exactly_one_spelling(signer) -> None:
    envelopes, _ = envelopes_of(signer)
    inflated = json.loads(gzip.decompress(base64.b64decode(encode_bundle(envelopes))))
    assert set(inflated[0]) == {"payloadType", "payloadText", "signatures"}  # the compact transport form
    inflated[0]["payload"] = envelopes[1]["payload"]  # a second, different payload beside the text
    with pytest.raises(BundleError, match="entry #1 carries payloadText with other fields"):
        decode_bundle(base64.b64encode(gzip.compress(json.dumps(inflated).encode())).decode())
    twice = '[{"payloadType":"x","payloadText":"a","payloadtext":"b","signatures":[]}]'
    with pytest.raises(BundleError, match="repeats a key"):
        decode_bundle(base64.b64encode(gzip.compress(twice.encode())).decode())


def test_a_decompression_bomb_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"[" + b" " * (MAX_DECOMPRESSED_BYTES + 1024) + b"]", compresslevel=9)
    text = base64.b64encode(bomb).decode()
    assert len(text) < 256 * 1024
    with pytest.raises(BundleError, match="inflates past"):
        decode_bundle(text)


# --- what is signed -----------------------------------------------------------------------------------------


def test_the_statement_is_written_as_cosign_writes_it() -> None:
    payload = statement_payload(REPOSITORY, DIGEST, CYCLONEDX_PREDICATE, {"b": "<&>", "a": 1})
    hex_digest = DIGEST.removeprefix("sha256:")
    assert payload == (
        b'{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://cyclonedx.org/bom",'
        b'"subject":[{"name":"'
        + REPOSITORY.encode()
        + b'","digest":{"sha256":"'
        + hex_digest.encode()
        + b'"}}],"predicate":{"a":1,"b":"\\u003c\\u0026\\u003e"}}'
    )
    assert parse_statement(payload).names_digest(DIGEST)


def test_pae_counts_bytes_not_characters() -> None:
    assert pae("tÿpe", "é".encode()) == b"DSSEv1 5 t\xc3\xbfpe 2 \xc3\xa9"


def test_the_sbom_file_is_its_own_attested_form() -> None:
    """The SBOM file companyos writes is Go's marshalling of itself, so its sha256 is the digest an SBOM
    attestation (ours or cosign's) binds."""
    from companyos.supply_chain.sbom import render

    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "x<y>", "version": "1", "bom-ref": "app"}},
        "components": [],
        "dependencies": [{"ref": "app"}],
    }
    text = render(document)
    assert go_marshal(json.loads(text)).decode() == text
    import hashlib

    assert sbom_digest_of(json.loads(text)) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --- provenance ---------------------------------------------------------------------------------------------


def facts(tmp_path: Path, **overrides: object) -> BuildFacts:
    defaults: dict[str, object] = dict(
        service="hello-prod",
        version="0.1.0",
        service_dir=tmp_path,
        git_commit="a" * 40,
        source_uri="git+https://github.com/acme/hello-prod@refs/heads/main",
        base_image="",
        builder_id="https://github.com/acme/hello-prod/.github/workflows/ci.yml@refs/heads/main",
        invocation_id="https://github.com/acme/hello-prod/actions/runs/1/attempts/1",
        started_on="2026-12-06T00:00:00Z",
        finished_on="2026-12-06T00:01:00Z",
    )
    return BuildFacts(**{**defaults, **overrides})  # type: ignore[arg-type]


def test_provenance_names_the_commit_the_dockerfiles_pinned_base_and_the_lockfile(tmp_path: Path) -> None:
    base = "node:20-bookworm-slim@sha256:" + "2" * 64
    (tmp_path / "Dockerfile").write_text(f"# syntax=docker/dockerfile:1\nARG BASE_IMAGE={base}\nFROM ${{BASE_IMAGE}}\n")
    (tmp_path / "package-lock.json").write_text("{}")
    predicate = service_provenance(facts(tmp_path))
    source, image, lockfile = predicate["buildDefinition"]["resolvedDependencies"]
    assert source["digest"] == {"gitCommit": "a" * 40}
    assert image == {
        "uri": "pkg:docker/library/node@sha256:" + "2" * 64 + "?repository_url=index.docker.io",
        "digest": {"sha256": "2" * 64},
        "name": base,
    }
    assert lockfile["name"] == "package-lock.json" and len(lockfile["digest"]["sha256"]) == 64
    assert predicate["runDetails"]["builder"]["id"].endswith("ci.yml@refs/heads/main")
    assert "byproducts" not in predicate["runDetails"]
    (tmp_path / "sbom.cdx.json").write_bytes(b'{"bomFormat":"CycloneDX"}')
    (tmp_path / "grype.json").write_text("{}")
    with_byproducts = service_provenance(
        facts(tmp_path, sbom=tmp_path / "sbom.cdx.json", scan_report=tmp_path / "grype.json")
    )
    sbom, scan = with_byproducts["runDetails"]["byproducts"]
    assert (sbom["name"], scan["name"]) == ("sbom", "vulnerability-scan")
    assert "sha256:" + sbom["digest"]["sha256"] == sbom_digest_of({"bomFormat": "CycloneDX"})


def test_provenance_refuses_an_unpinned_base_and_a_short_commit(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("ARG BASE_IMAGE=node:20\n")
    with pytest.raises(UserError, match="not pinned by digest"):
        service_provenance(facts(tmp_path))
    with pytest.raises(UserError, match="not a full git commit id"):
        service_provenance(facts(tmp_path, git_commit="abc123", base_image="r.example/x@sha256:" + "3" * 64))
    assert base_image_of(tmp_path, "r.example/x@sha256:" + "3" * 64).endswith("3" * 64)


def test_the_provenance_binds_the_sbom_and_the_scan_the_build_made(signer) -> None:
    """Dropping the scan attestation and claiming not-scanned, or swapping the SBOM together with its attestation,
    contradicts the signed provenance."""
    from companyos.contracts.release_record import ScanSummary

    envelopes, claims = envelopes_of(signer)
    [problem] = judge(signer, [envelopes[0], envelopes[2]], replace(claims, scan={"status": "not-scanned"}))
    assert (
        "the build scanned the image (a vulnerability-scan byproduct), but the release carries no attested" in problem
    )
    other_sbom = {**sample_sbom("hello-prod", "0.1.0"), "components": []}
    swapped = [attest(signer, CYCLONEDX_PREDICATE, other_sbom), *envelopes[1:]]
    [problem] = judge(signer, swapped, replace(claims, sbom_digest=sbom_digest_of(other_sbom)))
    assert (
        f"the build produced the SBOM {claims.sbom_digest}, not the release's {sbom_digest_of(other_sbom)}" in problem
    )
    unscanned, unscanned_claims = envelopes_of(signer, scan=ScanSummary(status="not-scanned"))
    assert judge(signer, unscanned, unscanned_claims) == []
