"""Supply-chain family: pinned digests, SBOM, signatures (signer-made and real cosign), vulnerability reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel

from tests.policies.harness import (
    Expect,
    assert_has_violation,
    assert_no_violations,
    check_fixture,
    fixture_config,
    fixture_exceptions,
    fixtures,
    load_fixture,
    run_fixture,
    run_rules,
)

HERE = Path(__file__).parent
DEPLOYMENT = "Deployment::hello-prod-deployment"
EXPECTED = {
    "bad-image-repository-owned--another-service.json": Expect(
        DEPLOYMENT, "runs ghcr.io/paved-road/payments-api, which is not hello-prod's own image repository"
    ),
    "bad-image-pinned-by-digest--tag-only.json": Expect(
        DEPLOYMENT, "'ghcr.io/paved-road/hello-prod:0.1.0' is referenced by tag only"
    ),
    "bad-image-pinned-by-digest--latest.json": Expect(DEPLOYMENT, "uses the moving tag `latest` and no digest"),
    "bad-image-sbom-attached--missing.json": Expect(
        DEPLOYMENT, "`paved-road.dev/sbom-digest` (metadata.annotations) is missing"
    ),
    "bad-image-signature-verified--cosign-unknown-key.json": Expect(DEPLOYMENT, "signature wrong-key"),
    "bad-image-signature-verified--untrusted-key.json": Expect(DEPLOYMENT, "signature wrong-key"),
    "bad-image-signature-verified--other-digest.json": Expect(DEPLOYMENT, "signature digest-mismatch"),
    "bad-image-signature-verified--corrupted.json": Expect(DEPLOYMENT, "signature bad-signature"),
    "bad-image-signature-verified--unknown-signature.json": Expect(
        DEPLOYMENT, "UNKNOWN DURING PREVIEW: .metadata.annotations.paved-road.dev/signature"
    ),
    "bad-image-vulnerability-threshold--critical.json": Expect(
        DEPLOYMENT, "a finding with CVSS 9.8, at or above the threshold 9"
    ),
    "bad-image-vulnerability-threshold--not-scanned.json": Expect(DEPLOYMENT, "not scanned for vulnerabilities"),
    "bad-image-vulnerability-threshold--counts-missing.json": Expect(
        DEPLOYMENT, "no numeric counts.critical and max_cvss (a missing count is not zero)"
    ),
    "bad-image-vulnerability-threshold--capitalised-severity.json": Expect(
        DEPLOYMENT, "counts severities this rule does not know (Critical;"
    ),
    "bad-image-attestations-verified--missing.json": Expect(
        DEPLOYMENT, "annotation `paved-road.dev/attestations` (metadata.annotations) is missing"
    ),
    "bad-image-attestations-verified--untrusted-key.json": Expect(
        DEPLOYMENT, "attestation #1 is not signed by a trusted key: signature #1 verifies under none"
    ),
    "bad-image-attestations-verified--other-digest.json": Expect(
        DEPLOYMENT, "attestation #1 (SBOM) is bound to sha256:"
    ),
    "bad-image-attestations-verified--sbom-not-attested.json": Expect(DEPLOYMENT, "is not the attested SBOM"),
    "bad-image-attestations-verified--scan-not-attested.json": Expect(
        DEPLOYMENT, "is not the latest attested scan (counts={'critical': 0, 'high': 0, 'medium': 1}"
    ),
    "bad-image-attestations-verified--scan-hidden.json": Expect(
        DEPLOYMENT, "the release says the image was not scanned, but a signed scan of it exists"
    ),
    "bad-image-attestations-verified--no-provenance.json": Expect(
        DEPLOYMENT, "no verified SLSA provenance attestation (https://slsa.dev/provenance/v1)"
    ),
    "bad-image-attestations-verified--payload-edited.json": Expect(
        DEPLOYMENT, "attestation #2 is not signed by a trusted key"
    ),
    "bad-unscanned-image-waiver--not-scanned.json": Expect(
        DEPLOYMENT, "WAIVER: Deployment hello-prod/hello-prod runs", EnforcementLevel.ADVISORY
    ),
}


@pytest.mark.parametrize("fixture", fixtures(HERE), ids=lambda p: p.name)
def test_each_supply_chain_fixture_passes_or_fails_its_rule_as_its_name_says(fixture: Path) -> None:
    check_fixture(fixture, EXPECTED)


def test_a_real_cosign_signature_verifies_only_while_its_key_is_trusted() -> None:
    fixture = HERE / "good-image-signature-verified--cosign.json"
    assert_no_violations(run_fixture(fixture))
    signer_key, cosign_key = fixture_config(fixture)["image-signature-verified"]["trusted_public_keys"]
    assert "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFNLqFhf4fiN6o" in cosign_key  # cosign-interop/cosign.pub
    untrusted = run_rules(
        load_fixture(fixture),
        {"image-signature-verified": {"trusted_public_keys": [signer_key]}},
        ["image-signature-verified"],
    )
    assert_has_violation(
        untrusted,
        "image-signature-verified",
        "hello-prod-deployment",
        "'192.168.64.2:5000/cosign-signed-single-sample@sha256:634a8f35",
    )
    assert_has_violation(untrusted, "image-signature-verified", "hello-prod-deployment", "signature wrong-key")


def test_a_waived_unscanned_image_passes_the_threshold_but_shows_up_as_an_advisory_waiver() -> None:
    fixture = HERE / "good-image-vulnerability-threshold--waived.json"
    with fixture_exceptions():
        result = run_rules(
            load_fixture(fixture), fixture_config(fixture), ["image-vulnerability-threshold", "unscanned-image-waiver"]
        )
    assert [(v.rule, v.level) for v in result.violations] == [("unscanned-image-waiver", EnforcementLevel.ADVISORY)]
    assert "allow_unscanned: true" in result.violations[0].message
    # The rule itself reports the waiver through not_applicable("waived: ..."), which the gate lists as a waiver.
    [(rule_name, urn, reason)] = result.waivers()
    assert rule_name == "image-vulnerability-threshold" and urn.endswith("hello-prod-deployment")
    assert reason.startswith("waived: ") and "NOT scanned" in reason


def test_without_a_trusted_key_every_signature_fails() -> None:
    result = run_rules(
        load_fixture(HERE / "good-image-signature-verified--signer.json"), {}, ["image-signature-verified"]
    )
    assert len(result.violations) == 1
    assert "no trusted public key is configured" in result.violations[0].message


ATTESTED = HERE / "good-image-attestations-verified.json"
ATTESTATION_RULE = "image-attestations-verified"


def _attested_with(change) -> list:
    """The attested Deployment fixture with its metadata annotations changed by `change`."""
    resources = load_fixture(ATTESTED)
    change(resources[0]["props"]["metadata"]["annotations"])
    return resources


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # A field the judgement needs, removed: the SBOM digest the attestation must match.
        (lambda a: a.pop("paved-road.dev/sbom-digest"), "the release names no SBOM digest, while sha256:"),
        # The bundle annotation of the wrong type (a list where gzip+base64 text belongs).
        (
            lambda a: a.update({"paved-road.dev/attestations": ["H4sI"]}),
            "is not an attestation bundle: it is a list, not text (base64 of gzip)",
        ),
        # The git commit the provenance must name, removed.
        (lambda a: a.pop("paved-road.dev/git-commit"), "the release names no git commit to match the provenance"),
    ],
    ids=["no-sbom-digest", "bundle-not-text", "no-git-commit"],
)
def test_attestations_cannot_be_walked_around_by_dropping_or_retyping_what_they_bind(change, message) -> None:
    result = run_rules(_attested_with(change), fixture_config(ATTESTED), [ATTESTATION_RULE])
    assert_has_violation(result, ATTESTATION_RULE, "hello-prod-deployment", message)


def test_attestations_without_a_trusted_key_block_and_never_pass() -> None:
    config = {**fixture_config(ATTESTED), ATTESTATION_RULE: {"trusted_public_keys": []}}
    result = run_rules(load_fixture(ATTESTED), config, [ATTESTATION_RULE])
    assert_has_violation(
        result, ATTESTATION_RULE, "hello-prod-deployment", "`image-attestations-verified.trusted_public_keys` is empty"
    )
