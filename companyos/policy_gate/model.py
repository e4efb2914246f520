"""What one gate run found: policies as configured, violations, waivers, verdict; and its JSON report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from companyos.policy_gate.exceptions import ExceptionsInForce

REPORT_SCHEMA = "paved-road.gate-report/v1"

PASSED, BLOCKED, ERROR = "passed", "blocked", "error"
EXIT_CODES = {PASSED: 0, BLOCKED: 1, ERROR: 2}

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
BLOCKING_LEVELS = ("mandatory", "remediate")
"""The SDK reports a `remediate` policy's violations as mandatory; the gate never runs remediations."""

MAX_REPORT_LOGS = 200
WAIVER_PREFIX = "waived:"
"""A policy signals a waiver with `args.not_applicable("waived: <why>")`; the protocol has no other channel
for it (a diagnostic is a violation, an empty answer is a pass)."""


@dataclass
class PolicyState:
    """One policy as the gate configured it, and what it found over all resources."""

    name: str
    description: str
    enforcement_level: str
    policy_type: str  # "resource" | "stack"
    config: dict[str, Any] = field(default_factory=dict)
    remediation_steps: str = ""
    evaluated: int = 0
    violations: int = 0
    waived: int = 0
    not_applicable: int = 0

    @property
    def disabled(self) -> bool:
        return self.enforcement_level == "disabled"

    @property
    def result(self) -> str:
        if self.disabled:
            return "disabled"
        if self.violations:
            return "violation"
        if self.waived:
            return "waived"
        return "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "enforcement_level": self.enforcement_level,
            "disabled": self.disabled,
            "type": self.policy_type,
            "config": self.config,
            "result": self.result,
            "counts": {
                "evaluated": self.evaluated,
                "violations": self.violations,
                "waived": self.waived,
                "not_applicable": self.not_applicable,
            },
        }


@dataclass(frozen=True)
class Violation:
    rule: str
    level: str  # "mandatory" | "advisory"
    urn: str
    resource_type: str
    resource_name: str
    message: str
    """The pack's message: the policy description, then what is wrong on this resource."""
    fix: str = ""

    @property
    def blocking(self) -> bool:
        return self.level in BLOCKING_LEVELS

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "urn": self.urn,
            "type": self.resource_type,
            "name": self.resource_name,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Waiver:
    rule: str
    urn: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "urn": self.urn, "reason": self.reason}


@dataclass
class GateResult:
    pack_name: str
    pack_version: str
    pack_dir: str
    project: str
    stack: str
    dry_run: bool
    policies: list[PolicyState] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Advisory diagnostics that are not violations, e.g. an advisory policy that could not run at preview."""
    resource_types: Counter[str] = field(default_factory=Counter)
    by_owner: dict[str, dict[str, int]] = field(default_factory=dict)
    """Outermost component (`<type>::<name>`, or "(no component)") -> resource type -> count."""
    analyzed: int = 0
    durations_ms: dict[str, float] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    """What the pack logged: Engine.Log calls and its stderr."""
    error: str | None = None
    """Why the gate could not run (verdict `error`); None when it ran to the end."""
    config_file: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    exceptions: ExceptionsInForce = field(default_factory=ExceptionsInForce)
    """The exceptions file, the exceptions in force and the weakening each covers."""
    """What was judged and where it came from (companyos.policy_gate.inputs): catalogue, release records, config."""

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return ERROR
        return BLOCKED if any(v.blocking for v in self.violations) else PASSED

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def resource_count(self) -> int:
        return sum(self.resource_types.values())

    def violations_of(self, rule: str) -> list[Violation]:
        return [v for v in self.violations if v.rule == rule]

    def policy(self, name: str) -> PolicyState:
        return next(p for p in self.policies if p.name == name)

    def to_report(self) -> dict[str, Any]:
        """The evidence-pack record of this run (schema `paved-road.gate-report/v1`)."""
        return {
            "schema": REPORT_SCHEMA,
            "pack": {"name": self.pack_name, "version": self.pack_version, "dir": self.pack_dir},
            "project": self.project,
            "stack": self.stack,
            "dry_run": self.dry_run,
            "policy_config_file": self.config_file,
            "inputs": self.inputs,
            "exceptions": self.exceptions.to_report(),
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "error": self.error,
            "resources": {
                "count": self.resource_count,
                "analyzed": self.analyzed,
                "by_type": dict(sorted(self.resource_types.items())),
                "by_owner": self.by_owner,
            },
            "policies": [p.to_dict() for p in self.policies],
            "violations": [v.to_dict() for v in self.violations],
            "waivers": [w.to_dict() for w in self.waivers],
            "notes": list(self.notes),
            "logs": self.logs[:MAX_REPORT_LOGS],
            "durations_ms": {k: round(v, 1) for k, v in self.durations_ms.items()},
        }
