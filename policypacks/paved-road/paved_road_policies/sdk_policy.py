"""Serving a Rule through pulumi-policy: the SDK policy object, and the Analyze and AnalyzeStack callbacks that
turn the SDK's arguments into Resources and a rule's findings into violations (or waivers).

Cost: a rule whose type selector rejects the resource returns after the (cached) config check, before any props
are copied out of the SDK's proxy.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any

from pulumi_policy import (
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .rendered import RENDERABLE_TYPES
from .resource import Resource, service_of

if TYPE_CHECKING:
    from .rule import Rule

WAIVER_PREFIX = "waived:"  # companyos.policy_gate.model.WAIVER_PREFIX (the pack does not import the gate)


def sdk_policy(rule: Rule) -> Policy:
    """The SDK policy object the PolicyPack serves; the level is explicit, never the pack default."""
    schema = PolicyConfigSchema(
        properties={k: dict(v) for k, v in rule.config.items()}, required=list(rule.required) or None
    )
    common: dict[str, Any] = dict(
        name=rule.name,
        description=rule.description,
        enforcement_level=rule.enforcement_level,
        config_schema=schema,
        remediation_steps=re.sub(r"\{(\w+)\}", r"<\1>", rule.remediation),
        tags=[rule.family],
        url=f"docs/policies/{rule.name}.md",
    )
    if rule.stack:
        return StackValidationPolicy(validate=partial(_validate_stack, rule), **common)
    return ResourceValidationPolicy(validate=partial(_validate_resource, rule), **common)


def _validate_resource(rule: Rule, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    config = rule.load_config(args.get_config())
    if not rule.selects.matches(args.resource_type) and args.resource_type not in RENDERABLE_TYPES:
        return
    resource = Resource(
        type=args.resource_type,
        name=args.name,
        urn=args.urn,
        source=args.props,
        parent=args.opts.parent or "" if args.opts is not None else "",
    )
    for subject, finding in rule.subject_findings(resource, config):
        if finding.waiver:
            args.not_applicable(f"{WAIVER_PREFIX} {finding.message}")
        else:
            report_violation(rule.message(finding, service_of(subject)), None)


def _validate_stack(rule: Rule, args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = rule.load_config(args.get_config())
    resources = [
        Resource(
            type=r.resource_type,
            name=r.name,
            urn=r.urn,
            source=r.props,
            parent=r.parent.urn if r.parent is not None else "",
        )
        for r in args.resources
    ]
    by_urn = {r.urn: r for r in resources}
    for finding in rule.findings(resources, config):
        subject = by_urn.get(finding.urn or "")
        report_violation(rule.message(finding, service_of(subject) if subject else "<service>"), finding.urn or None)
