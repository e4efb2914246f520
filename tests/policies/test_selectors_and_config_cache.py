"""What the pack's shortcuts may never change: a type selector hides no finding, a cached config cannot leak."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.policies.cases import all_cases, fixture_exceptions
from tests.policies.harness import RULES, rule

from paved_road_policies.resource import Resource  # noqa: E402 (harness sets the path)
from paved_road_policies.rule import ANY_TYPE  # noqa: E402 (harness sets the path)
from paved_road_policies.rule_config import PolicyConfigError  # noqa: E402 (harness sets the path)

FIXTURE_RESOURCES = [(case, resource) for case in all_cases() for resource in case.resources]
# Every type a case has, plus types the program or a hand-written stack could add.
TYPES = sorted(
    {resource["type"] for _, resource in FIXTURE_RESOURCES}
    | {
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:apps/v1:ReplicaSet",
        "kubernetes:batch/v1:Job",
        "kubernetes:batch/v1:CronJob",
        "kubernetes:core/v1:Pod",
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:Secret",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:yaml/v2:ConfigGroup",
        "pulumi:providers:kubernetes",
        "pulumi:providers:github",
        "github:index/repository:Repository",
        "github:index/repositoryFile:RepositoryFile",
        "github:index/branchProtection:BranchProtection",
        "github:index/issueLabel:IssueLabel",
        "paved-road:index:PavedRoadService",
        "random:index/randomPassword:RandomPassword",
    }
)
RESOURCE_RULES = [r for r in RULES if not r.stack]
# The default-deny rule is the one that must see every type; every other rule names the types it judges.
EVERY_TYPE_BY_DESIGN = ["resource-type-allowed"]


SELECTING_RULES = [r for r in RESOURCE_RULES if r.name not in EVERY_TYPE_BY_DESIGN]


@pytest.mark.parametrize("current", SELECTING_RULES, ids=[r.name for r in SELECTING_RULES])
def test_a_rule_reports_nothing_on_any_type_its_selector_skips(current: Any) -> None:
    """The Analyze wrapper returns early for a skipped type: the check itself must agree, on every fixture's
    props dressed up as every skipped type (failing cases included)."""
    skipped = [t for t in TYPES if not current.selects.matches(t)]
    assert skipped, f"{current.name} selects every type"
    with fixture_exceptions():
        _check_skipped(current, skipped)


def _check_skipped(current: Any, skipped: list[str]) -> None:
    for case, resource in FIXTURE_RESOURCES:
        config = current.load_config(_entry(case.config.get(current.name)))
        for type_token in skipped:
            subject = Resource(type_token, resource["name"], resource["urn"], copy.deepcopy(resource["props"]))
            assert list(current.check(subject, config)) == [], (current.name, case.id, type_token)


def _entry(entry: Any) -> dict[str, Any] | None:
    return {k: v for k, v in entry.items() if k != "enforcementLevel"} if isinstance(entry, dict) else None


def test_every_resource_rule_of_the_pack_names_its_types_and_selects_its_bad_fixtures() -> None:
    assert [r.name for r in RESOURCE_RULES if r.selects is ANY_TYPE] == EVERY_TYPE_BY_DESIGN
    for case, resource in FIXTURE_RESOURCES:
        if not case.good and not rule(case.rule).stack:
            assert rule(case.rule).selects.matches(resource["type"]), (case.id, resource["type"])


def test_the_cached_config_is_read_only_so_no_rule_can_change_what_the_next_call_sees() -> None:
    labels = rule("kubernetes-governance-labels")
    config = labels.load_config({"risk_values": ["low", "medium"]})
    with pytest.raises(TypeError):
        config["risk_values"] = ["extreme"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        config["risk_values"].append("extreme")
    assert labels.load_config({"risk_values": ["low", "medium"]})["risk_values"] == ("low", "medium")


def test_a_cached_config_is_not_reused_for_a_raw_config_that_only_compares_equal() -> None:
    """`True == 1`: after the valid `check_reference: true`, the invalid `check_reference: 1` still raises."""
    signature = rule("image-signature-verified")
    assert signature.load_config({"check_reference": True})["check_reference"] is True
    with pytest.raises(PolicyConfigError, match="check_reference"):
        signature.load_config({"check_reference": 1})
    threshold = rule("image-vulnerability-threshold")
    assert threshold.load_config({"max_critical": 0})["max_critical"] == 0
    with pytest.raises(PolicyConfigError, match="max_critical"):
        threshold.load_config({"max_critical": False})


def test_an_invalid_config_raises_on_every_call_not_only_the_first() -> None:
    probes = rule("container-probes")
    for _ in range(3):
        with pytest.raises(PolicyConfigError, match="Additional properties"):
            probes.load_config({"unexpected_key": True})


def test_a_raw_config_changed_in_place_is_validated_again() -> None:
    labels = rule("kubernetes-governance-labels")
    raw: dict[str, Any] = {"risk_values": ["low"]}
    assert labels.load_config(raw)["risk_values"] == ("low",)
    raw["risk_values"].append("extreme")
    with pytest.raises(PolicyConfigError, match="extreme"):
        labels.load_config(raw)
