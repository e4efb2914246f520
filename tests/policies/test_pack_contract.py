"""Pack-wide promises: every rule tested both ways, MANDATORY by default, strict config, unknowns block."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from tests.policies.cases import BASES_DIR, FAMILY_FOLDERS, POLICIES_DIR, all_cases, load_case, rule_file, rule_files
from tests.policies.harness import RULES, _props, assert_has_violation, assert_no_violations, rule, run_rules

from paved_road_policies.registry import pack_arguments  # noqa: E402
from paved_road_policies.rule import Finding, Rule  # noqa: E402 (harness sets the path)
from paved_road_policies.rule_config import PolicyConfigError  # noqa: E402 (harness sets the path)

ADVISORY_BY_DESIGN = {"unscanned-image-waiver"}  # it reports waivers; it must never block


def test_every_rule_has_a_rule_file_with_a_passing_and_a_failing_case_and_every_rule_file_names_a_rule() -> None:
    assert sorted(rule_files()) == sorted(rule_file(r.name) for r in RULES), (
        "tests/policies/<family folder>/<rule>.yaml, one per rule of the pack and nothing else"
    )
    kinds = Counter((case.rule, "pass" if case.good else "fail") for case in all_cases())
    missing = [f"{r.name}: {kind}" for r in RULES for kind in ("pass", "fail") if not kinds[(r.name, kind)]]
    assert not missing, missing


def test_the_family_folders_are_the_packs_families_and_hold_only_rule_files() -> None:
    """The folders come from the registry (FAMILY_FOLDERS); no folder is a family the pack does not have, and no
    fixture of the old format (good-*.json, policy-config.json) is left beside the rule files."""
    families = {folder.name for folder in POLICIES_DIR.iterdir() if any(folder.glob("*.yaml"))} - {BASES_DIR.name}
    assert families == set(FAMILY_FOLDERS.values())
    assert {r.family for r in RULES} == set(FAMILY_FOLDERS)
    stray = sorted(str(p.relative_to(POLICIES_DIR)) for p in POLICIES_DIR.glob("**/*.json") if p.parent != BASES_DIR)
    assert stray == [], "case data lives in rule files and tests/policies/bases/"


def test_every_bad_case_asserts_a_message_and_every_case_name_is_unique_in_its_rule_file() -> None:
    cases = all_cases()
    assert all(case.expect.says for case in cases if case.expect is not None)
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids))


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
        ("kubernetes-governance-labels", {"risk_values": ["extreme"]}, "risk_values/0: 'extreme' is not one of"),
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
        run_rules(load_case("service-slo-declared", "paved-road").resources, {name: config}, [name])
    assert says in str(raised.value)


def test_an_invalid_config_blocks_even_when_the_rule_is_advisory_and_the_resource_is_not_its_type() -> None:
    namespace = load_case("kubernetes-governance-labels", "namespace").resources
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
        run_rules(load_case("kubernetes-governance-labels", "namespace").resources, {}, [raising])


# (rule, its passing case, path to the value made unknown, the path the violation names)
def _container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


UNKNOWN_CASES = [
    (
        "kubernetes-governance-labels",
        "namespace",
        lambda p: p["metadata"]["labels"],
        "owner",
        ".metadata.labels.owner",
    ),
    ("repository-governance-topics", "paved-road", lambda p: p, "topics", ".topics"),
    (
        "image-pinned-by-digest",
        "paved-road",
        _container,
        "image",
        ".spec.template.spec.containers[0].image",
    ),
    (
        "image-sbom-attached",
        "paved-road",
        lambda p: p["metadata"]["annotations"],
        "paved-road.dev/sbom-digest",
        "paved-road.dev/sbom-digest",
    ),
    (
        "image-signature-verified",
        "signer",
        lambda p: p["metadata"]["annotations"],
        "paved-road.dev/signature-payload",
        "signature-payload",
    ),
    (
        "image-vulnerability-threshold",
        "paved-road",
        lambda p: p["metadata"]["annotations"],
        "paved-road.dev/vulnerability-scan",
        "vulnerability-scan",
    ),
    ("ci-workflow-required-jobs", "paved-road", lambda p: p, "content", ".content"),
    (
        "branch-protection-required-checks",
        "paved-road",
        lambda p: p["requiredStatusChecks"][0],
        "contexts",
        ".requiredStatusChecks[0].contexts",
    ),
    ("container-probes", "paved-road", _container, "livenessProbe", "livenessProbe"),
    (
        "container-resources",
        "paved-road",
        lambda p: _container(p)["resources"]["limits"],
        "cpu",
        "limits.cpu",
    ),
    (
        "container-security-context",
        "paved-road",
        lambda p: _container(p)["securityContext"],
        "readOnlyRootFilesystem",
        "readOnlyRootFilesystem",
    ),
]


@pytest.mark.parametrize(("name", "passing", "parent", "key", "says"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES])
def test_a_required_value_unknown_during_preview_is_a_mandatory_violation(name, passing, parent, key, says) -> None:
    case = load_case(name, passing)
    resources = case.resources
    assert_no_violations(run_rules(resources, case.config, [name]))
    unknown = copy.deepcopy(resources)
    parent(unknown[0]["props"])[key] = UNKNOWN_STRING_VALUE
    result = run_rules(unknown, case.config, [name])
    violation = assert_has_violation(result, name, unknown[0]["urn"], "UNKNOWN DURING PREVIEW")
    assert says in violation.message


@pytest.mark.parametrize("name", ["deployment-observability", "service-slo-declared"])
def test_an_unknown_value_a_stack_rule_needs_is_a_mandatory_violation(name: str) -> None:
    case = load_case(name, "paved-road")
    resources = case.resources
    for resource in resources:
        if resource["type"] == "kubernetes:apps/v1:Deployment":
            if name == "service-slo-declared":
                resource["props"]["metadata"]["annotations"]["paved-road.dev/slo"] = UNKNOWN_STRING_VALUE
            else:
                resource["props"]["metadata"]["namespace"] = UNKNOWN_STRING_VALUE
    assert_has_violation(run_rules(resources, case.config, [name]), name, "", "UNKNOWN DURING PREVIEW")


def test_the_sdk_alone_would_only_raise_unknown_value_error_which_it_reports_as_advisory() -> None:
    """Why the pack copies props out of the proxy: a plain SDK policy reading an unknown gets an exception
    the SDK turns into an ADVISORY note (pulumi_policy/policy.py Analyze: `except UnknownValueError`)."""
    deployment = load_case("image-pinned-by-digest", "paved-road").resources[0]
    _container(deployment["props"])["image"] = UNKNOWN_STRING_VALUE
    props = _props(deployment)
    with pytest.raises(UnknownValueError):
        _ = props["spec"]["template"]["spec"]["containers"][0]["image"]
    assert isinstance(rule("image-pinned-by-digest").policy(), ResourceValidationPolicy)


def test_a_disabled_rule_reports_nothing_which_is_why_the_driver_must_list_it() -> None:
    case = load_case("image-pinned-by-digest", "tag-only")
    config = {**case.config, "image-pinned-by-digest": "disabled"}
    assert not run_rules(case.resources, config, ["image-pinned-by-digest"]).violations


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
