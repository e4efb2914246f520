"""Run the paved-road rules in-process exactly as pulumi_policy's Analyzer would, and assert on the result.

Props go through the SDK's own path: `deserialize_properties` then `unknown_checking_proxy`, wrapped in the
SDK's `ResourceValidationArgs` / `StackValidationArgs`, handed to the SDK policy objects the pack serves
(`Rule.policy()`). Case props are the wire form after `MessageToDict` (camelCase, numbers as floats,
unknowns as the engine's sentinel strings), so the same JSON can be sent over gRPC by companyos.policy_gate.
Importing this module puts the pack's package on sys.path. The cases (one YAML file per rule, JSON Patches of
shared bases) are read and run by tests/policies/cases.py.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError  # the SDK server catches it the same way
from pulumi_policy.proxy import unknown_checking_proxy

REPO_ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = REPO_ROOT / "policypacks" / "paved-road"
if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

from paved_road_policies.registry import RULES, rule  # noqa: E402
from paved_road_policies.rule import Rule  # noqa: E402  (the pack dir is not a package on sys.path)


@dataclass(frozen=True)
class Violation:
    rule: str
    urn: str
    message: str
    level: EnforcementLevel


@dataclass(frozen=True)
class PolicyResult:
    violations: list[Violation]
    not_applicable: list[tuple[str, str, str]] = field(default_factory=list)
    """(rule, urn, reason) for each `args.not_applicable(reason)`; waivers carry the "waived:" prefix."""

    def waivers(self, rule_name: str | None = None) -> list[tuple[str, str, str]]:
        return [n for n in self.not_applicable if n[2].startswith("waived:") and rule_name in (None, n[0])]

    def of(self, rule_name: str) -> list[Violation]:
        return [v for v in self.violations if v.rule == rule_name]

    def describe(self) -> str:
        return (
            "\n".join(f"- [{v.level.value}] {v.rule} @ {v.urn or '(stack)'}: {v.message}" for v in self.violations)
            or "(no violations)"
        )


# --- running ---------------------------------------------------------------------------------------------


def _level(entry: Any, default: EnforcementLevel) -> EnforcementLevel:
    """Policy-pack-config semantics: an entry is a level string or an object with `enforcementLevel`."""
    if isinstance(entry, str):
        return EnforcementLevel(entry)
    if isinstance(entry, Mapping) and "enforcementLevel" in entry:
        return EnforcementLevel(entry["enforcementLevel"])
    return default


def _properties(entry: Any) -> dict[str, Any] | None:
    if isinstance(entry, Mapping):
        properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        return properties or None
    return None


def _options(parent: str) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=parent or None,
    )


def _props(resource: Mapping[str, Any]) -> Any:
    return unknown_checking_proxy(deserialize_properties(json.loads(json.dumps(resource.get("props", {})))))


def run_rules(
    resources: Iterable[Mapping[str, Any]],
    config: Mapping[str, Any] | None = None,
    rules: Iterable[Rule | str] | None = None,
) -> PolicyResult:
    """Analyze each resource with every resource rule, then the whole list with every stack rule.

    `config` is a --policy-pack-config document ({rule: level | {enforcementLevel?, ...properties}}).
    Exceptions from a rule propagate, as they do out of the SDK's Analyze handler (gRPC status UNKNOWN).
    """
    resources = list(resources)
    config = dict(config or {})
    selected = [rule(r) if isinstance(r, str) else r for r in (rules if rules is not None else RULES)]
    violations: list[Violation] = []
    not_applicable: list[tuple[str, str, str]] = []
    for current in selected:
        level = _level(config.get(current.name), current.enforcement_level)
        if level == EnforcementLevel.DISABLED:
            continue
        properties = _properties(config.get(current.name))
        policy = current.policy()

        def report(
            message: str,
            urn: str | None = None,
            *,
            _rule: str = current.name,
            _urn: str = "",
            _level: EnforcementLevel = level,
        ) -> None:
            violations.append(Violation(_rule, urn or _urn, message, _level))

        if current.stack:
            policy_resources = [
                PolicyResource(
                    r["type"], _props(r), r["urn"], r["name"], _options(r.get("parent", "")), None, None, [], {}
                )
                for r in resources
            ]
            by_urn = {p.urn: p for p in policy_resources}
            for source, target in zip(resources, policy_resources, strict=True):
                target.parent = by_urn.get(source.get("parent", ""))
            policy.validate(StackValidationArgs(policy_resources, properties), report)
            continue
        for resource in resources:
            args = ResourceValidationArgs(
                resource["type"],
                _props(resource),
                resource["urn"],
                resource["name"],
                _options(resource.get("parent", "")),
                None,
                properties,
            )

            def report_resource(
                message: str,
                urn: str | None = None,
                *,
                _urn: str = resource["urn"],
                _rule: str = current.name,
                _level: EnforcementLevel = level,
            ) -> None:
                # The SDK ignores `urn` for resource policies: the analysed resource is the subject.
                violations.append(Violation(_rule, _urn, message, _level))

            try:
                policy.validate(args, report_resource)
            except _NotApplicableError as skipped:  # the SDK's server turns this into PolicyNotApplicable
                not_applicable.append((current.name, resource["urn"], str(skipped.reason or "")))
    return PolicyResult(violations, not_applicable)


# --- assertions (awsguard's assertHasResourceViolation / assertNoResourceViolations, in our words) ---------


def assert_has_violation(
    result: PolicyResult,
    rule_name: str,
    urn_fragment: str,
    message_fragment: str,
    *,
    level: EnforcementLevel | None = EnforcementLevel.MANDATORY,
) -> Violation:
    """Some violation of `rule_name` on a URN containing `urn_fragment` says `message_fragment`."""
    for violation in result.of(rule_name):
        if (
            urn_fragment in violation.urn
            and message_fragment in violation.message
            and (level is None or violation.level == level)
        ):
            return violation
    raise AssertionError(
        f"expected a {level.value if level else ''} violation of {rule_name} on *{urn_fragment}* "
        f"saying {message_fragment!r}; got:\n{result.describe()}"
    )


def assert_no_violations(result: PolicyResult) -> None:
    assert not result.violations, f"expected no violations; got:\n{result.describe()}"
