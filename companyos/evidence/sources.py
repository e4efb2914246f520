"""Read the release's artefacts into evidence facts: JUnit, lcov, git history, rollback commands."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.contracts.release_record import ReleaseRecord
from companyos.evidence.model import Changes, Commit, Rollback, RuleOutcome, TestSummary
from companyos.supply_chain.intoto import PREDICATE_NAMES


def read_junit(path: Path, report_link: str) -> TestSummary:
    """Counts from a JUnit XML report (node --test-reporter=junit writes <testsuites> of <testcase>)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise UserError(f"{path}: cannot read the JUnit report ({exc}). Fix: rerun the test stage.") from None
    cases = list(root.iter("testcase"))
    failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    return TestSummary(
        tests=len(cases), passed=len(cases) - failed - skipped, failed=failed, skipped=skipped, report=report_link
    )


def read_check_deploy(path: Path) -> dict[str, object]:
    """`companyos check-deploy --json` (paved-road.check-deploy/v1) as the page's post-deploy list."""
    data = json.loads(path.read_text(encoding="utf-8"))
    checks = [
        {"name": f"{p['method']} {p['path']}", "status": p["status"], "detail": f"{p.get('latency_ms_p50')} ms p50"}
        for p in data.get("probes", [])
    ]
    checks += [
        {"name": c["name"], "status": c["status"], "detail": c.get("detail", "")} for c in data.get("checks", [])
    ]
    return {"verdict": data.get("verdict"), "checks": checks}


def read_gate_exceptions(path: Path) -> list[str]:
    """The exceptions in force of a gate report, one sentence each (empty for a report without them)."""
    gate = json.loads(path.read_text(encoding="utf-8"))
    lines = []
    for entry in (gate.get("exceptions") or {}).get("in_force", []):
        scope = ", ".join(entry["scope"]["services"]) + (
            f"; types {', '.join(entry['scope']['types'])}" if entry["scope"].get("types") else ""
        )
        lines.append(
            f"`{entry['rule']}` {entry['setting']} ({scope}): {entry['reason']}; owner {entry['owner']}, "
            f"approved by {entry['approver']}, expires {entry['expires']}"
            + (f", {entry['ticket']}" if entry.get("ticket") else "")
            + ("" if entry.get("used") else " (in force, not used by this run)")
        )
    return lines


def attestation_detail(result: dict[str, object]) -> str:
    """One line from `companyos verify-attestations --json`: what was attested and by which key, or why not."""
    if result.get("verified"):
        attested = result.get("attested")
        kinds = [f"{PREDICATE_NAMES.get(kind, kind)}" for kind in attested] if isinstance(attested, dict) else []
        keys = result.get("key_fingerprints")
        by = f" by key `{', '.join(str(key) for key in keys)}`" if isinstance(keys, list) and keys else ""
        return f"{', '.join(kinds)} ({len(kinds)} signed in-toto statements bound to the image digest{by})"
    problems = result.get("problems")
    return "; ".join(str(problem) for problem in problems) if isinstance(problems, list) else "rejected"


def read_gate_report(path: Path) -> tuple[str, list[RuleOutcome]]:
    """`companyos preview --json` (paved-road.gate-report/v1): the verdict and one outcome per rule."""
    gate = json.loads(path.read_text(encoding="utf-8"))
    waived = {w["rule"]: w.get("reason", "") for w in gate.get("waivers", [])}
    rules = []
    for policy in gate.get("policies", []):
        detail = waived.get(policy["name"], "")
        if policy["result"] == "violation":
            # The pack's message: description, then what is wrong, then "Fix: ..."; the middle line says it.
            detail = "; ".join(
                next((line for line in v["message"].splitlines()[1:] if not line.startswith("Fix:")), v["message"])
                for v in gate.get("violations", [])
                if v["rule"] == policy["name"]
            )
        rules.append(
            RuleOutcome(
                policy["name"],
                policy["result"],
                policy["enforcement_level"],
                detail.replace("|", "/").replace("\n", " ")[:300],
            )
        )
    return str(gate.get("verdict", "unknown")), rules


def lcov_line_coverage(path: Path) -> float | None:
    """Lines hit / lines found over every file of an lcov report (LH/LF records)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    found = hit = 0
    for line in text.splitlines():
        if line.startswith("LF:"):
            found += int(line[3:])
        elif line.startswith("LH:"):
            hit += int(line[3:])
    return 100.0 * hit / found if found else None


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise UserError(f"{repo}: git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def git_head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD").strip()


def git_changes(repo: Path, previous: ReleaseRecord | None, new_digest: str | None) -> Changes:
    head = git_head(repo)
    base = previous.git_commit if previous and previous.git_commit else None
    if (
        base
        and subprocess.run(
            ["git", "-C", str(repo), "cat-file", "-e", f"{base}^{{commit}}"], capture_output=True
        ).returncode
        != 0
    ):
        base = None  # the previous release's commit is not in this clone (shallow or rewritten history)
    span = f"{base}..{head}" if base else head
    log = _git(repo, "log", "--format=%H%x09%s", span)
    commits = [Commit(*line.split("\t", 1)) for line in log.splitlines() if "\t" in line]
    if base:
        diffstat = _git(repo, "diff", "--stat", base, head).strip("\n")
    else:
        diffstat = _git(repo, "show", "--stat", "--format=", head).strip("\n")
    return Changes(
        commits=commits,
        diffstat=_short_diffstat(diffstat),
        since=f"the previous release {previous.version} (`{base[:12]}`)" if base and previous else "the first commit",
        previous_digest=previous.image.digest if previous else None,
        new_digest=new_digest,
    )


def _short_diffstat(diffstat: str, files: int = 20) -> str:
    """A first release adds every file: keep the page one page (the summary line always stays)."""
    lines = diffstat.splitlines()
    if len(lines) <= files + 1:
        return diffstat
    return "\n".join([*lines[:files], f" ... {len(lines) - files - 1} more file(s)", lines[-1]])


def rollback_plan(
    service: str, previous: ReleaseRecord | None, previous_record: str | None, environment: str = "dev"
) -> Rollback:
    stack = f"{service}-{environment}"
    if previous is None:
        # First release: without a record the program provisions the repository only (ADR-0011), so
        # `pulumi up` removes the workload and keeps the repository.
        return Rollback(
            None,
            None,
            None,
            [
                f"pulumi stack select {stack}",
                "pulumi config rm paved-road:releaseRecord",
                "pulumi up",
            ],
        )
    return Rollback(
        previous.version,
        previous.image.digest,
        previous_record,
        [
            f"pulumi stack select {stack}",
            f"pulumi config set paved-road:releaseRecord {previous_record}",
            "pulumi preview --policy-pack policypacks/paved-road   # the gate checks the previous release too",
            "pulumi up",
            f"companyos check-deploy --url <service URL> --prometheus <Prometheus URL> --service {service}",
        ],
    )
