"""Pack-wide promises: every rule tested both ways, MANDATORY by default, strict config, unknowns block."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from tests.policies.harness import (
    POLICIES_DIR,
    RULES,
    _props,
    assert_has_violation,
    assert_no_violations,
    fixture_config,
    fixture_rule,
    fixtures,
    load_fixture,
    rule,
    run_rules,
)

from paved_road_policies.rule import Finding, Rule  # noqa: E402 (harness sets the path)
from paved_road_policies.rule_config import PolicyConfigError  # noqa: E402 (harness sets the path)
from paved_road_policies.registry import pack_arguments  # noqa: E402

FAMILY_FOLDERS = ("admission", "labels", "supply_chain", "pipeline", "kubernetes_hygiene", "pod_security", "stack")
ALL_FIXTURES = [path for folder in FAMILY_FOLDERS for path in fixtures(POLICIES_DIR / folder)]
ADVISORY_BY_DESIGN = {"unscanned-image-waiver"}  # it reports waivers; it must never block


def test_every_rule_has_a_good_and_a_bad_fixture_and_every_fixture_names_a_rule() -> None:
    kinds = Counter((fixture_rule(p), p.name.split("-", 1)[0]) for p in ALL_FIXTURES)
    names = {r.name for r in RULES}
    assert {name for name, _ in kinds} <= names, "a fixture names a rule that does not exist"
    missing = [f"{name}: {kind}" for name in sorted(names) for kind in ("good", "bad") if not kinds[(name, kind)]]
    assert not missing, missing


def test_every_rule_is_mandatory_by_default_except_the_waiver_report() -> None:
    levels = {r.name: r.policy().enforcement_level for r in RULES}
    assert {n for n, level in levels.items() if level != EnforcementLevel.MANDATORY} == ADVISORY_BY_DESIGN
    assert levels["unscanned-image-waiver"] == EnforcementLevel.ADVISORY
    assert pack_arguments()["enforcement_level"] == EnforcementLevel.MANDATORY


def test_every_rule_carries_remediation_a_schema_and_a_family() -> None:
    for current in RULES:
        policy = current.policy()
        assert policy.remediation_steps and policy.config_schema is not None, current.name
        assert policy.tags == [current.family]


def _wrong_value(schema: dict[str, Any]) -> Any:
    return {
        "array": "not-a-list",
        "boolean": "yes",
        "number": "9",
        "integer": 1.5,
        "string": 5,
        "object": ["not-an-object"],
    }[schema["type"]]


STRICTNESS_CASES = (
    [(r.name, {"unexpected_key": True}, "Additional properties are not allowed") for r in RULES]
    + [(r.name, {key: _wrong_value(dict(schema))}, key) for r in RULES for key, schema in r.config.items()]
    + [
        ("kubernetes-governance-labels", {"risk_values": ["extreme"]}, "risk_values.0: 'extreme' is not one of"),
        ("kubernetes-governance-labels", {"owner_pattern": "("}, "owner_pattern: not a valid regular expression"),
        (
            "image-signature-verified",
            {"trusted_public_keys": ["-----BEGIN PUBLIC KEY-----\nnot base64\n"]},
            "trusted_public_keys[0]",
        ),
        (
            "image-vulnerability-threshold",
            {"cvss_threshold": 11},
            "cvss_threshold: 11 is greater than the maximum of 10",
        ),
        ("pull-request-governance-labels", {"source": "my laptop"}, "source: 'my laptop' does not match"),
        ("image-sbom-attached", {"location_prefixes": []}, "location_prefixes: [] should be non-empty"),
        ("image-repository-owned", {"repository_pattern": "^.*$"}, "has no {service}"),
        ("image-repository-owned", {"repository_pattern": "({service}"}, "not a valid regular expression"),
    ]
)


@pytest.mark.parametrize(
    ("name", "config", "says"), STRICTNESS_CASES, ids=[f"{n}-{'-'.join(c)}" for n, c, _ in STRICTNESS_CASES]
)
def test_an_invalid_policy_config_raises_and_so_blocks_the_preview(
    name: str, config: dict[str, Any], says: str
) -> None:
    with pytest.raises(PolicyConfigError, match="Fix: edit the") as raised:
        run_rules(load_fixture(POLICIES_DIR / "stack/good-service-slo-declared.json"), {name: config}, [name])
    assert says in str(raised.value)


def test_an_invalid_config_blocks_even_when_the_rule_is_advisory_and_the_resource_is_not_its_type() -> None:
    namespace = load_fixture(POLICIES_DIR / "labels/good-kubernetes-governance-labels--namespace.json")
    with pytest.raises(PolicyConfigError):
        run_rules(
            namespace,
            {"image-vulnerability-threshold": {"enforcementLevel": "advisory", "max_critical": -1}},
            ["image-vulnerability-threshold"],
        )


def test_a_rule_that_raises_lets_the_exception_out_of_the_sdk_policy() -> None:
    def broken(resource: Any, config: Any) -> list[Finding]:
        raise RuntimeError("bug in a rule")

    raising = Rule(name="raising", family="stack", description="d", remediation="r", check=broken)
    with pytest.raises(RuntimeError, match="bug in a rule"):
        run_rules(
            load_fixture(POLICIES_DIR / "labels/good-kubernetes-governance-labels--namespace.json"), {}, [raising]
        )


# (rule, fixture, path to the value made unknown, the path the violation names)
def _container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


UNKNOWN_CASES = [
    (
        "kubernetes-governance-labels",
        "labels/good-kubernetes-governance-labels--namespace.json",
        lambda p: p["metadata"]["labels"],
        "owner",
        ".metadata.labels.owner",
    ),
    ("repository-governance-topics", "labels/good-repository-governance-topics.json", lambda p: p, "topics", ".topics"),
    (
        "image-pinned-by-digest",
        "supply_chain/good-image-pinned-by-digest.json",
        _container,
        "image",
        ".spec.template.spec.containers[0].image",
    ),
    (
        "image-sbom-attached",
        "supply_chain/good-image-sbom-attached.json",
        lambda p: p["metadata"]["annotations"],
        "paved-road.dev/sbom-digest",
        "paved-road.dev/sbom-digest",
    ),
    (
        "image-signature-verified",
        "supply_chain/good-image-signature-verified--signer.json",
        lambda p: p["metadata"]["annotations"],
        "paved-road.dev/signature-payload",
        "signature-payload",
    ),
    (
        "image-vulnerability-threshold",
        "supply_chain/good-image-vulnerability-threshold.json",
        lambda p: p["metadata"]["annotations"],
        "paved-road.dev/vulnerability-scan",
        "vulnerability-scan",
    ),
    ("ci-workflow-required-jobs", "pipeline/good-ci-workflow-required-jobs.json", lambda p: p, "content", ".content"),
    (
        "branch-protection-required-checks",
        "pipeline/good-branch-protection-required-checks.json",
        lambda p: p["requiredStatusChecks"][0],
        "contexts",
        ".requiredStatusChecks[0].contexts",
    ),
    ("container-probes", "kubernetes_hygiene/good-container-probes.json", _container, "livenessProbe", "livenessProbe"),
    (
        "container-resources",
        "kubernetes_hygiene/good-container-resources.json",
        lambda p: _container(p)["resources"]["limits"],
        "cpu",
        "limits.cpu",
    ),
    (
        "container-security-context",
        "kubernetes_hygiene/good-container-security-context.json",
        lambda p: _container(p)["securityContext"],
        "readOnlyRootFilesystem",
        "readOnlyRootFilesystem",
    ),
]


@pytest.mark.parametrize(("name", "fixture", "parent", "key", "says"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES])
def test_a_required_value_unknown_during_preview_is_a_mandatory_violation(name, fixture, parent, key, says) -> None:
    path = POLICIES_DIR / fixture
    resources = load_fixture(path)
    assert_no_violations(run_rules(resources, fixture_config(path), [name]))
    unknown = copy.deepcopy(resources)
    parent(unknown[0]["props"])[key] = UNKNOWN_STRING_VALUE
    result = run_rules(unknown, fixture_config(path), [name])
    violation = assert_has_violation(result, name, unknown[0]["urn"], "UNKNOWN DURING PREVIEW")
    assert says in violation.message


@pytest.mark.parametrize("name", ["deployment-observability", "service-slo-declared"])
def test_an_unknown_value_a_stack_rule_needs_is_a_mandatory_violation(name: str) -> None:
    path = POLICIES_DIR / f"stack/good-{name}.json"
    resources = load_fixture(path)
    for resource in resources:
        if resource["type"] == "kubernetes:apps/v1:Deployment":
            if name == "service-slo-declared":
                resource["props"]["metadata"]["annotations"]["paved-road.dev/slo"] = UNKNOWN_STRING_VALUE
            else:
                resource["props"]["metadata"]["namespace"] = UNKNOWN_STRING_VALUE
    assert_has_violation(run_rules(resources, fixture_config(path), [name]), name, "", "UNKNOWN DURING PREVIEW")


def test_the_sdk_alone_would_only_raise_unknown_value_error_which_it_reports_as_advisory() -> None:
    """Why the pack copies props out of the proxy: a plain SDK policy reading an unknown gets an exception
    the SDK turns into an ADVISORY note (pulumi_policy/policy.py Analyze: `except UnknownValueError`)."""
    deployment = load_fixture(POLICIES_DIR / "supply_chain/good-image-pinned-by-digest.json")[0]
    _container(deployment["props"])["image"] = UNKNOWN_STRING_VALUE
    props = _props(deployment)
    with pytest.raises(UnknownValueError):
        _ = props["spec"]["template"]["spec"]["containers"][0]["image"]
    assert isinstance(rule("image-pinned-by-digest").policy(), ResourceValidationPolicy)


def test_a_disabled_rule_reports_nothing_which_is_why_the_driver_must_list_it() -> None:
    path = POLICIES_DIR / "supply_chain/bad-image-pinned-by-digest--tag-only.json"
    config = {**fixture_config(path), "image-pinned-by-digest": "disabled"}
    assert not run_rules(load_fixture(path), config, ["image-pinned-by-digest"]).violations


def test_repository_files_are_fixture_folders_only() -> None:
    stray = [p.name for p in POLICIES_DIR.glob("*.json")]
    assert stray == [], "fixtures live in a family folder"
    assert all((POLICIES_DIR / folder / "policy-config.json").exists() for folder in FAMILY_FOLDERS)


# Under `pulumi preview` the pack is the only reader of its config: it refuses a weakened setting itself unless a
# reviewed exception covers it (tests/policy_gate/test_exceptions.py covers the gate's side, levels included).
WEAK_SETTINGS = [
    ("image-vulnerability-threshold", {"cvss_threshold": 10}),
    ("image-vulnerability-threshold", {"allow_unscanned": True}),
    ("resource-type-allowed", {"additional_types": ["kubernetes:apps/v1:DaemonSet"]}),
    ("image-signature-verified", {"check_reference": False}),
    ("image-repository-owned", {"repository_pattern": "^.*{service}.*$"}),
    ("branch-protection-required-checks", {"additional_contexts": []}),
]


@pytest.mark.parametrize(("name", "config"), WEAK_SETTINGS, ids=[f"{n}-{next(iter(c))}" for n, c in WEAK_SETTINGS])
def test_the_pack_refuses_a_weakened_setting_without_an_exception_and_honours_one(
    name, config, pack_exceptions, monkeypatch
) -> None:
    setting = next(iter(config))
    monkeypatch.setenv("PAVED_ROAD_POLICY_EXCEPTIONS", "/nonexistent/policy-exceptions.yaml")
    with pytest.raises(PolicyConfigError, match=f"{setting}: .* weakens the baseline and no exception"):
        rule(name).load_config(config)
    types = tuple(config.get("additional_types", ()))
    pack_exceptions([(name, setting)], types=types)
    monkeypatch.setenv("PULUMI_CONFIG", '{"paved-road:service": "hello-prod"}')
    assert rule(name).load_config(config)[setting] is not None
    pack_exceptions([(name, setting)], services=("payments-api",), types=types)  # another service's
    with pytest.raises(PolicyConfigError, match="no exception in force covers it"):
        rule(name).load_config(config)


def test_a_stricter_setting_needs_no_exception(monkeypatch) -> None:
    monkeypatch.setenv("PAVED_ROAD_POLICY_EXCEPTIONS", "/nonexistent/policy-exceptions.yaml")
    assert rule("image-vulnerability-threshold").load_config({"cvss_threshold": 7})["cvss_threshold"] == 7
