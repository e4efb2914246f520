"""The pack's rules, by family, and the PolicyPack arguments built from them (awsguard's registry pattern)."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel

from . import (
    admission,
    attestations,
    k8s_hygiene,
    labels,
    ownership,
    pipeline,
    pod_security,
    stack,
    supply_chain,
    vulnerabilities,
)
from .rule import FAMILIES, Rule

PACK_NAME = "paved-road"
PACK_DESCRIPTION = (
    "Paved Road governance gate: default-deny admission, labels, supply chain, pipeline, Kubernetes "
    "hygiene, Pod Security Standards (restricted) and observability rules. Fail-closed: unknown "
    "types, unknown values and invalid config block."
)

RULES: tuple[Rule, ...] = (
    *admission.RULES,
    *ownership.RULES,
    *labels.RULES,
    *supply_chain.RULES,
    *vulnerabilities.RULES,
    *attestations.RULES,
    *pipeline.RULES,
    *k8s_hygiene.RULES,
    *pod_security.RULES,
    *stack.RULES,
)


def _check_registry(rules: tuple[Rule, ...]) -> None:
    names = [rule.name for rule in rules]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RuntimeError(f"duplicate rule names in the paved-road pack: {', '.join(duplicates)}")
    missing = [family for family in FAMILIES if not any(rule.family == family for rule in rules)]
    if missing:
        raise RuntimeError(f"families without rules: {', '.join(missing)}")


_check_registry(RULES)


def rule(name: str) -> Rule:
    for candidate in RULES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no rule named {name!r}; rules: {', '.join(r.name for r in RULES)}")


def pack_arguments() -> dict[str, Any]:
    """Keyword arguments for pulumi_policy.PolicyPack; the pack level is MANDATORY so nothing defaults lower."""
    return {
        "name": PACK_NAME,
        "description": PACK_DESCRIPTION,
        "policies": [r.policy() for r in RULES],
        "enforcement_level": EnforcementLevel.MANDATORY,
    }
