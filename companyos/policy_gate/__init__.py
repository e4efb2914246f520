"""The policy gate: run a CrossGuard pack over the Analyzer gRPC protocol the way the Pulumi engine does.

Library API (used by `companyos preview`, the release pipeline and the pack's own tests):
    run_gate(resources, pack_dir, config, *, project, stack, dry_run=True) -> GateResult
    GateSession(pack_dir, project=, stack=): one pack process for many runs (`with ...: session.run(...)`)
    resources_from_dicts([{"type", "name", "urn"?, "props", ...}]) -> list[RecordedResource]
A policy reports a waiver with `args.not_applicable("waived: <why>")` (see model.WAIVER_PREFIX)."""

from companyos.policy_gate.gate import DEFAULT_TIMEOUT_S, GateSession, run_gate
from companyos.policy_gate.model import (
    REPORT_SCHEMA,
    GateResult,
    PolicyState,
    Violation,
    Waiver,
)
from companyos.policy_gate.render import render_summary
from companyos.policy_gate.report import write_report
from companyos.policy_gate.resources import resource_from_dict, resources_from_dicts

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "REPORT_SCHEMA",
    "GateResult",
    "GateSession",
    "PolicyState",
    "Violation",
    "Waiver",
    "render_summary",
    "resource_from_dict",
    "resources_from_dicts",
    "run_gate",
    "write_report",
]
