"""Supply-chain family, beyond its rule files' cases (supply_chain/*.yaml, run by test_rule_cases.py): real cosign
signatures, the waiver report, attestations that must not be walked around."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel

from tests.policies.cases import fixture_exceptions, load_case, run_case
from tests.policies.harness import assert_has_violation, assert_no_violations, run_rules


def test_a_real_cosign_signature_verifies_only_while_its_key_is_trusted() -> None:
    case = load_case("image-signature-verified", "cosign")
    assert_no_violations(run_case(case))
    signer_key, cosign_key = case.config["image-signature-verified"]["trusted_public_keys"]
    assert "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFNLqFhf4fiN6o" in cosign_key  # cosign-interop/cosign.pub
    untrusted = run_rules(
        case.resources,
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
    case = load_case("image-vulnerability-threshold", "waived")
    with fixture_exceptions():
        result = run_rules(case.resources, case.config, ["image-vulnerability-threshold", "unscanned-image-waiver"])
    assert [(v.rule, v.level) for v in result.violations] == [("unscanned-image-waiver", EnforcementLevel.ADVISORY)]
    assert "allow_unscanned: true" in result.violations[0].message
    # The rule itself reports the waiver through not_applicable("waived: ..."), which the gate lists as a waiver.
    [(rule_name, urn, reason)] = result.waivers()
    assert rule_name == "image-vulnerability-threshold" and urn.endswith("hello-prod-deployment")
    assert reason.startswith("waived: ") and "NOT scanned" in reason


def test_without_a_trusted_key_every_signature_fails() -> None:
    result = run_rules(load_case("image-signature-verified", "signer").resources, {}, ["image-signature-verified"])
    assert len(result.violations) == 1
    assert "no trusted public key is configured" in result.violations[0].message


ATTESTED = load_case("image-attestations-verified", "paved-road")
ATTESTATION_RULE = "image-attestations-verified"


def _attested_with(change) -> list:
    """The attested Deployment fixture with its metadata annotations changed by `change`."""
    resources = ATTESTED.resources
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
    result = run_rules(_attested_with(change), ATTESTED.config, [ATTESTATION_RULE])
    assert_has_violation(result, ATTESTATION_RULE, "hello-prod-deployment", message)


def test_attestations_without_a_trusted_key_block_and_never_pass() -> None:
    config = {**ATTESTED.config, ATTESTATION_RULE: {"trusted_public_keys": []}}
    result = run_rules(ATTESTED.resources, config, [ATTESTATION_RULE])
    assert_has_violation(
        result, ATTESTATION_RULE, "hello-prod-deployment", "`image-attestations-verified.trusted_public_keys` is empty"
    )
