"""Supply chain, vulnerabilities: each workload's scan report exists and is within the threshold, and an image
deployed unscanned (allowed only by an explicit waiver) is reported on every preview."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel

from . import k8s
from .props import known
from .release_evidence import scan_of
from .resource import Resource
from .rule import Finding, Rule
from .vendor.contracts.conventions import ANNOTATION_SCAN

# Severities a scan report counts (companyos.supply_chain.vulnerabilities); anything else is not understood.
SEVERITIES = ("critical", "high", "medium", "low", "negligible", "unknown")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_vulnerabilities(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not any(k8s.containers(resource)):
        return
    what = k8s.describe(resource)
    scan, problem = scan_of(resource)
    if scan is None:
        yield Finding(f"{what}: {problem}.")
        return
    if scan["status"] == "not-scanned":
        if not config["allow_unscanned"]:
            yield Finding(
                f"{what}: the image was not scanned for vulnerabilities (`{ANNOTATION_SCAN}` status "
                "not-scanned) and no waiver is configured (allow_unscanned is false)."
            )
        else:
            yield Finding(
                f"{what} runs an image that was NOT scanned for vulnerabilities; allowed by the "
                "allow_unscanned waiver of this rule.",
                waiver=True,
            )
        return
    counts = scan.get("counts")
    counts = counts if isinstance(counts, dict) else {}
    strange = sorted(str(key) for key in counts if key not in SEVERITIES)
    if strange:
        yield Finding(
            f"{what}: the vulnerability report counts severities this rule does not know "
            f"({', '.join(strange)}; known: {', '.join(SEVERITIES)}, lower case), so it cannot be judged."
        )
        return
    critical = _number(counts.get("critical"))
    max_cvss = _number(scan.get("max_cvss"))
    if critical is None or max_cvss is None or critical < 0 or not 0 <= max_cvss <= 10:
        yield Finding(
            f"{what}: the vulnerability report has no numeric counts.critical and max_cvss (a missing "
            "count is not zero), so it cannot be judged."
        )
        return
    threshold = float(config["cvss_threshold"])
    if max_cvss >= threshold:
        yield Finding(
            f"{what}: the image has a finding with CVSS {max_cvss:g}, at or above the threshold "
            f"{threshold:g} (`{ANNOTATION_SCAN}` max_cvss)."
        )
    if critical > config["max_critical"]:
        yield Finding(
            f"{what}: the image has {critical:g} critical finding(s); at most {config['max_critical']} "
            f"allowed (`{ANNOTATION_SCAN}` counts.critical)."
        )


def check_unscanned_waiver(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not any(k8s.containers(resource)):
        return
    scan, _ = scan_of(resource)
    if scan is not None and scan["status"] == "not-scanned":
        images = ", ".join(str(known(c.spec.get("image"))) for c in k8s.containers(resource))
        yield Finding(
            f"WAIVER: {k8s.describe(resource)} runs {images}, which was NOT scanned for "
            f"vulnerabilities (`{ANNOTATION_SCAN}` status not-scanned). It passes the gate only if "
            "`image-vulnerability-threshold` has `allow_unscanned: true` in the policy config; "
            "otherwise that rule blocks it."
        )


RULES = [
    Rule(
        name="image-vulnerability-threshold",
        family="supply-chain",
        description=f"Each workload's vulnerability report (`{ANNOTATION_SCAN}`) exists and is within the "
        "threshold: no finding at or above the CVSS threshold, no more critical findings than allowed; "
        "an unscanned image passes only under an explicit, reported waiver.",
        applies_to="every object that carries a pod spec with at least one container",
        check=check_vulnerabilities,
        selects=k8s.WORKLOADS,
        config={
            "cvss_threshold": {
                "description": "A finding with CVSS at or above this blocks (CVSS v3.1 rates 9.0-10.0 critical).",
                "type": "number",
                "minimum": 0,
                "maximum": 10,
                "default": 9.0,
                "x-weakens": "higher",
            },
            "max_critical": {
                "description": "Critical findings tolerated.",
                "type": "integer",
                "minimum": 0,
                "default": 0,
                "x-weakens": "higher",
            },
            "allow_unscanned": {
                "description": "Waiver: let an image with scan status not-scanned pass "
                "(reported by unscanned-image-waiver).",
                "type": "boolean",
                "default": False,
                "x-weakens": "true",
            },
        },
        remediation="upgrade the vulnerable dependencies of {service} and re-release (the CI `sbom` job scans "
        "the image); an accepted risk is a reviewed change to this rule's config, never a silent one.",
        rationale="Shipping a known critical vulnerability must be a decision someone signs, not an accident.",
    ),
    Rule(
        name="unscanned-image-waiver",
        family="supply-chain",
        description="Reports every image deployed without a vulnerability scan, so a waiver "
        "(`image-vulnerability-threshold.allow_unscanned`) is always visible in the gate report.",
        applies_to="every object that carries a pod spec with at least one container",
        check=check_unscanned_waiver,
        selects=k8s.WORKLOADS,
        enforcement_level=EnforcementLevel.ADVISORY,
        remediation="scan {service}'s image (CI `sbom` job) and re-release, then remove the allow_unscanned waiver.",
        rationale="A waiver nobody sees becomes the default. This rule is ADVISORY on purpose: it never blocks, "
        "it makes the waiver of image-vulnerability-threshold visible on every preview.",
    ),
]
