"""Text summary of a gate run, laid out like `pulumi preview`'s resource summary and policy section."""

from __future__ import annotations

from companyos.policy_gate.model import GateResult, Violation
from companyos.policy_gate.resources import NO_OWNER

INDENT = "    "


def render_summary(result: GateResult, *, include_error: bool = True) -> str:
    """`include_error=False` leaves the reason of an `error` verdict to the caller (the CLI prints it to stderr)."""
    lines = [
        f"Previewing {result.project}/{result.stack} with policy pack "
        f"{result.pack_name}@v{result.pack_version or '?'} ({result.pack_dir})",
        "",
    ]
    lines += _resources(result)
    lines += _inputs(result)
    lines += _policies(result)
    lines.append(_verdict_line(result, include_error))
    return "\n".join(lines) + "\n"


def _resources(result: GateResult) -> list[str]:
    if not result.resource_types:
        return []
    lines = ["Resources:", f"{INDENT}+ {result.resource_count} to create"]
    width = len(str(max(result.resource_types.values())))
    lines += [
        f"{INDENT * 2}{count:>{width}} {type_token}" for type_token, count in sorted(result.resource_types.items())
    ]
    if result.by_owner:
        lines += ["", "Ownership (outermost component -> types):"]
        for owner, types in result.by_owner.items():
            lines.append(f"{INDENT}{owner}: {sum(types.values())} resource(s) of {len(types)} type(s)")
            if owner == NO_OWNER:  # what belongs to no service is named in full
                lines += [f"{INDENT * 2}{count:>{width}} {type_token}" for type_token, count in types.items()]
    return lines + [""]


def _inputs(result: GateResult) -> list[str]:
    if not result.inputs:
        return []
    catalog = result.inputs.get("catalog") or {}
    pack = result.inputs.get("pack")
    lines = [
        "Inputs:",
        *([f"{INDENT}policy pack {pack['path']} ({pack['sha256'] or 'missing'})"] if pack else []),
        f"{INDENT}catalogue {catalog.get('path')} ({catalog.get('sha256') or 'missing'})",
    ]
    lines += [
        f"{INDENT}release record {r['path']} ({r['sha256'] or 'unreadable'})"
        for r in result.inputs.get("release_records", [])
    ]
    lines += [f"{INDENT}{c['key']} = {c['value']}  [{c['source']}]" for c in result.inputs.get("config", [])]
    return lines + [""]


def _policies(result: GateResult) -> list[str]:
    if not result.policies:
        return []
    mark = "ok" if not result.violations else ("FAILED" if any(v.blocking for v in result.violations) else "advisory")
    lines = ["Policies:", f"{INDENT}[{mark}] {result.pack_name}@v{result.pack_version}"]
    for violation in sorted(result.violations, key=lambda v: (not v.blocking, v.rule, v.urn)):
        lines += _violation(violation)
    disabled = [p.name for p in result.policies if p.disabled]
    if disabled:
        lines.append(f"{INDENT}Disabled rules (not evaluated): {', '.join(disabled)}")
    for waiver in result.waivers:
        lines.append(f"{INDENT}Waived: {waiver.rule} on {waiver.urn or 'the stack'}: {waiver.reason}")
    for note in result.notes:
        lines.append(f"{INDENT}Note: {note}")
    for exception in result.exceptions.exceptions:
        used = any(cover is exception for _, cover in result.exceptions.covered)
        lines.append(f"{INDENT}Exception in force{'' if used else ' (not used)'}: {exception.describe()}")
    passed = [p.name for p in result.policies if p.result == "pass"]
    if passed:
        lines.append(f"{INDENT}Passed: {', '.join(passed)}")
    return lines + [""]


def _violation(violation: Violation) -> list[str]:
    where = (
        f"{violation.resource_type}: {violation.resource_name}"
        if violation.resource_type
        else (violation.urn or "stack")
    )
    lines = [f"{INDENT * 2}- [{violation.level}]  {violation.rule}  ({where})"]
    lines += [f"{INDENT * 2}  {line}" for line in violation.message.splitlines() if line.strip()]
    if violation.fix and "fix:" not in violation.message.lower():  # packs often end the message with the fix
        lines.append(f"{INDENT * 2}  fix: {violation.fix}")
    return lines


def _verdict_line(result: GateResult, include_error: bool) -> str:
    mandatory = sum(v.blocking for v in result.violations)
    advisory = len(result.violations) - mandatory
    counts = f"{mandatory} mandatory, {advisory} advisory violation(s), {len(result.waivers)} waiver(s)"
    if result.verdict == "error":
        return "Policy gate: COULD NOT RUN (exit 2)" + (f": {result.error}" if include_error else "")
    return (
        f"Policy gate: {result.verdict.upper()} ({counts}; {result.analyzed} resource(s) analysed) "
        f"(exit {result.exit_code})"
    )
