"""Exceptions as code: every weakening of the baseline needs a reviewed, scoped, expiring exception, or the gate
stops with exit 2 naming the rule, the setting and the exception it lacks. Run against the real pack's declared
policies (GetAnalyzerInfo), as the gate sees them."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from companyos.contracts.errors import UserError
from companyos.policy_gate.analyzer_client import AnalyzerClient
from companyos.policy_gate.engine_service import EngineServer
from companyos.policy_gate.exceptions import enforce, load_exceptions, stack_services, weakenings
from companyos.policy_gate.pack_process import PackProcess, pack_environment, read_manifest
from companyos.policy_gate.policy_config import PolicyDeclaration, declarations_from_info, effective_config
from tests.conftest import REPO_ROOT, write_exceptions

PACK = REPO_ROOT / "policypacks" / "paved-road"
TODAY = datetime.date.today()


@pytest.fixture(scope="module")
def declarations() -> Iterator[tuple[list[PolicyDeclaration], Any]]:
    manifest = read_manifest(PACK)
    with EngineServer() as engine:
        env = pack_environment(project="paved-road", stack="dev", organization="o", dry_run=True, config={})
        with PackProcess(manifest, engine.address, env, timeout_s=60) as pack:
            pack.start()
            client = AnalyzerClient(pack.wait_port(), timeout_s=60)
            client.wait_ready()
            info = client.analyzer_info()
            client.close()
    yield declarations_from_info(info), info.initialConfig


def found(declarations: Any, overrides: dict[str, Any], stack_config: dict[str, str] | None = None) -> list[str]:
    declared, initial = declarations
    effective = effective_config(declared, initial, overrides, source="test")
    return [f"{w.rule} {w.setting}" for w in weakenings(declared, effective, stack_config or {})]


INPUTS = {
    "image-signature-verified": {"trusted_public_keys": []},
    "pull-request-governance-labels": {"labels": ["risk:low"], "source": "local"},
}

# The weakenings issue 14 names, as a careless or hostile config writer would write them.
WEAKENING_CASES: list[tuple[str, dict[str, Any], dict[str, str], list[str]]] = [
    (
        "every rule advisory",
        {"all": "advisory"},
        {},
        ["resource-type-allowed enforcementLevel", "image-signature-verified enforcementLevel"],
    ),
    (
        "signature, SBOM and scan rules disabled",
        {
            "image-signature-verified": "disabled",
            "image-sbom-attached": "disabled",
            "image-vulnerability-threshold": "disabled",
        },
        {},
        [
            "image-signature-verified enforcementLevel",
            "image-sbom-attached enforcementLevel",
            "image-vulnerability-threshold enforcementLevel",
        ],
    ),
    (
        "all disabled but one advisory (slips past the every-policy-disabled guard)",
        {"all": "disabled", "container-probes": "advisory"},
        {},
        ["container-probes enforcementLevel", "image-signature-verified enforcementLevel"],
    ),
    (
        "thresholds raised",
        {"image-vulnerability-threshold": {"cvss_threshold": 10, "max_critical": 1000000}},
        {},
        ["image-vulnerability-threshold cvss_threshold", "image-vulnerability-threshold max_critical"],
    ),
    (
        "unscanned waiver",
        {"image-vulnerability-threshold": {"allow_unscanned": True}},
        {},
        ["image-vulnerability-threshold allow_unscanned"],
    ),
    (
        "allowlist widened",
        {"resource-type-allowed": {"additional_types": ["kubernetes:apps/v1:DaemonSet"]}},
        {},
        ["resource-type-allowed additional_types"],
    ),
    (
        "opaque component allowed",
        {"resource-judgeable-offline": {"allowed_types": ["kubernetes:helm.sh/v4:Chart"]}},
        {},
        ["resource-judgeable-offline allowed_types"],
    ),
    (
        "signed reference not checked",
        {"image-signature-verified": {"check_reference": False}},
        {},
        ["image-signature-verified check_reference"],
    ),
    ("the default approvals, restated", {"branch-protection-hardened": {"min_approvals": 1}}, {}, []),
    (
        "required CI jobs dropped",
        {"ci-workflow-required-jobs": {"additional_jobs": []}},
        {},
        ["ci-workflow-required-jobs additional_jobs"],
    ),
    (
        "repository pattern loosened",
        {"image-repository-owned": {"repository_pattern": "^.*{service}.*$"}},
        {},
        ["image-repository-owned repository_pattern"],
    ),
    (
        "manageRepository off in the stack config",
        {},
        {"paved-road:manageRepository": "false"},
        ["repository-pipeline-present paved-road:manageRepository"],
    ),
    ("inputs are not weakenings: PR labels and trusted keys", INPUTS, {}, []),
    (
        "stricter is not weaker",
        {"image-vulnerability-threshold": {"cvss_threshold": 7.0}, "container-probes": "mandatory"},
        {},
        [],
    ),
]


@pytest.mark.parametrize(
    ("case", "overrides", "stack_config", "expected"), WEAKENING_CASES, ids=[c[0] for c in WEAKENING_CASES]
)
def test_each_weakening_of_the_baseline_is_found(declarations, case, overrides, stack_config, expected) -> None:
    weakened = found(declarations, overrides, stack_config)
    assert set(expected) <= set(weakened), weakened
    if not expected:
        assert weakened == []


def test_every_setting_of_every_policy_declares_how_it_weakens_the_gate(declarations) -> None:
    """Default-deny still holds for an undeclared setting (any change weakens), but the pack says it for each."""
    undeclared = [
        f"{d.name}.{key}"
        for d in declarations[0]
        for key, schema in d.schema_properties.items()
        if "x-weakens" not in schema and key not in ("owner_pattern", "repository_pattern")
    ]
    assert undeclared == []


def test_a_weakening_without_an_exception_stops_the_gate_naming_rule_setting_and_what_is_missing(declarations) -> None:
    declared, initial = declarations
    effective = effective_config(
        declared, initial, {"image-vulnerability-threshold": {"allow_unscanned": True}}, source="test"
    )
    with pytest.raises(UserError) as raised:
        enforce(weakenings(declared, effective, {}), [], {"hello-prod"}, path=None)
    assert "image-vulnerability-threshold allow_unscanned (false -> true) on service hello-prod" in str(raised.value)
    assert "needs rule: image-vulnerability-threshold, setting: allow_unscanned" in str(raised.value)


@pytest.mark.parametrize(
    ("services", "types", "stack", "covered"),
    [
        (("hello-prod",), ("kubernetes:apps/v1:DaemonSet",), {"hello-prod"}, True),
        (("payments-api",), ("kubernetes:apps/v1:DaemonSet",), {"hello-prod"}, False),  # another service's
        (("hello-prod",), (), {"hello-prod"}, False),  # the type it adds is not in scope
        (("hello-prod",), ("kubernetes:apps/v1:DaemonSet",), {"hello-prod", "payments-api"}, False),  # whole stack
    ],
)
def test_an_exception_covers_only_its_services_and_the_types_it_names(
    tmp_path, declarations, services, types, stack, covered
) -> None:
    declared, initial = declarations
    effective = effective_config(
        declared,
        initial,
        {"resource-type-allowed": {"additional_types": ["kubernetes:apps/v1:DaemonSet"]}},
        source="test",
    )
    path = write_exceptions(
        tmp_path / "e.yaml", [("resource-type-allowed", "additional_types")], services=services, types=types
    )
    exceptions = load_exceptions(path, rules={d.name for d in declared}, today=TODAY)
    if covered:
        result = enforce(weakenings(declared, effective, {}), exceptions, stack, path=str(path))
        assert result.to_report()["in_force"][0]["used"] is True
    else:
        with pytest.raises(UserError, match="no exception in force covers it"):
            enforce(weakenings(declared, effective, {}), exceptions, stack, path=str(path))


def _entry(**changes: Any) -> dict[str, Any]:
    entry = {
        "rule": "image-vulnerability-threshold",
        "setting": "allow_unscanned",
        "scope": {"services": ["hello-prod"]},
        "reason": "no scanner database offline",
        "owner": "team-platform",
        "approver": "security-team",
        "expires": (TODAY + datetime.timedelta(days=30)).isoformat(),
    }
    return {**entry, **changes}


BAD_FILES: list[tuple[str, Any, str]] = [
    ("expired", {"exceptions": [_entry(expires=(TODAY - datetime.timedelta(days=1)).isoformat())]}, "expired on"),
    (
        "more than 90 days ahead",
        {"exceptions": [_entry(expires=(TODAY + datetime.timedelta(days=91)).isoformat())]},
        "more than 90 days ahead",
    ),
    ("unscoped", {"exceptions": [_entry(scope={})]}, "'services' is a required property"),
    ("scoped to no service", {"exceptions": [_entry(scope={"services": []})]}, "should be non-empty"),
    ("unknown rule", {"exceptions": [_entry(rule="no-such-rule")]}, "no policy named 'no-such-rule'"),
    (
        "no approver",
        {"exceptions": [{k: v for k, v in _entry().items() if k != "approver"}]},
        "'approver' is a required property",
    ),
    ("self-approved", {"exceptions": [_entry(approver="Team-Platform")]}, "the approver is the owner"),
    ("not a date", {"exceptions": [_entry(expires="2026-02-30")]}, "is not a date"),
    ("a reason that says nothing", {"exceptions": [_entry(reason="ok")]}, "is too short"),
    ("a ticket that is not a link", {"exceptions": [_entry(ticket="JIRA-1")]}, "does not match"),
    ("an unknown field", {"exceptions": [_entry(severity="low")]}, "Additional properties are not allowed"),
    ("not a list", {"exceptions": {"rule": "x"}}, "is not of type 'array'"),
]


@pytest.mark.parametrize(("case", "document", "says"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_exceptions_file_stops_the_gate_with_exit_2_naming_the_entry(tmp_path, case, document, says) -> None:
    path = tmp_path / "policy-exceptions.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(UserError, match="invalid policy exceptions|not YAML") as raised:
        load_exceptions(path, rules={"image-vulnerability-threshold"}, today=TODAY)
    assert says in str(raised.value)


def test_services_in_scope_are_the_stacks_service_else_every_service_in_the_stack() -> None:
    assert stack_services({"paved-road:service": "hello-prod"}, ["a", "b"]) == {"hello-prod"}
    assert stack_services({}, ["a", "b"]) == {"a", "b"}


def test_the_exceptions_schema_ships_with_the_package() -> None:
    from companyos.policy_gate.exceptions import SCHEMA_PATH

    assert Path(SCHEMA_PATH).is_file()
