"""The fail-closed matrix (issue 4): every row is BLOCKED (exit 1) or the gate could not run (exit 2); none passes.
Rows run over the real Analyzer protocol: the real pack for rule rows, purpose-built packs for broken packs."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from companyos.policy_gate import GateSession, run_gate
from tests.conftest import REPO_ROOT
from tests.policies.cases import load_case

PACK = REPO_ROOT / "policypacks" / "paved-road"
TEST_PACKS = Path(__file__).parent / "packs"


def fixture(rule: str, case: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A case of a policy rule file (tests/policies/<family>/<rule>.yaml): its resources and config."""
    loaded = load_case(rule, case)
    return loaded.resources, loaded.config


def unknown_signature() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The good, signed Deployment, but its signature annotation is not known yet (a preview of a computed value)."""
    resources, config = fixture("image-signature-verified", "signer")
    resources = copy.deepcopy(resources)
    resources[0]["props"]["metadata"]["annotations"]["paved-road.dev/signature"] = UNKNOWN_STRING_VALUE
    return resources, config


# (row of the matrix, resources + config, the rule that must speak up, expected exit code)
RULE_ROWS: list[tuple[str, Callable[[], tuple[list[dict[str, Any]], dict[str, Any]]], str, int]] = [
    ("unknown required value at preview", unknown_signature, "image-signature-verified", 1),
    (
        "missing SBOM annotation",
        lambda: fixture("image-sbom-attached", "missing"),
        "image-sbom-attached",
        1,
    ),
    (
        "unsigned image",
        lambda: fixture("image-signature-verified", "unknown-signature"),
        "image-signature-verified",
        1,
    ),
    (
        "signature by an unknown key",
        lambda: fixture("image-signature-verified", "untrusted-key"),
        "image-signature-verified",
        1,
    ),
    (
        "signature over another digest (tampered tag)",
        lambda: fixture("image-signature-verified", "other-digest"),
        "image-signature-verified",
        1,
    ),
    (
        "tag without digest",
        lambda: fixture("image-pinned-by-digest", "tag-only"),
        "image-pinned-by-digest",
        1,
    ),
    (
        "critical CVE over threshold",
        lambda: fixture("image-vulnerability-threshold", "critical"),
        "image-vulnerability-threshold",
        1,
    ),
    (
        "missing scan report without waiver",
        lambda: fixture("image-vulnerability-threshold", "not-scanned"),
        "image-vulnerability-threshold",
        1,
    ),
    (
        "workflow missing the sign job",
        lambda: fixture("ci-workflow-required-jobs", "no-sign-job"),
        "ci-workflow-required-jobs",
        1,
    ),
    (
        "PR missing a label",
        lambda: fixture("pull-request-governance-labels", "no-labels"),
        "pull-request-governance-labels",
        1,
    ),
    (
        "unknown resource type",
        lambda: fixture("resource-type-allowed", "replication-controller"),
        "resource-type-allowed",
        1,
    ),
    (
        "opaque component (Helm chart)",
        lambda: fixture("resource-judgeable-offline", "helm-chart"),
        "resource-judgeable-offline",
        1,
    ),
    (
        "patch rewriting a workload",
        lambda: fixture("container-host-ports", "host-port"),
        "container-host-ports",
        1,
    ),
    (
        "unknown CRD carrying a pod",
        lambda: fixture("pod-sysctls", "kernel-unsafe"),
        "pod-sysctls",
        1,
    ),
]


@pytest.fixture(scope="module")
def session() -> Iterator[GateSession]:
    with GateSession(PACK, project="paved-road", stack="dev", timeout_s=60) as running:
        yield running


@pytest.mark.parametrize("row, make, rule, exit_code", RULE_ROWS, ids=[r[0] for r in RULE_ROWS])
def test_each_rule_row_of_the_fail_closed_matrix_is_blocked(session, row, make, rule, exit_code) -> None:
    resources, config = make()
    result = session.run(resources, config, config_source=row)
    assert result.exit_code == exit_code, f"{row}: {result.verdict} {result.error}"
    assert any(v.rule == rule and v.level == "mandatory" for v in result.violations), (
        f"{row}: no mandatory {rule} violation; got {[(v.rule, v.level) for v in result.violations]}"
    )


THING = {"type": "test:index:Thing", "name": "t", "urn": "urn:pulumi:dev::paved-road::test:index:Thing::t", "props": {}}
PACK_ROWS = [
    ("pack crashes on import", TEST_PACKS / "crash-on-import", {}, None),
    ("a rule raises", TEST_PACKS / "rule-raises", {}, [THING]),  # its rule raises on test:index:Thing
    ("invalid policy config", PACK, {"image-signature-verified": {"trusted_public_keys": "not a list"}}, None),
]


@pytest.mark.parametrize("row, pack, config, resources", PACK_ROWS, ids=[r[0] for r in PACK_ROWS])
def test_a_gate_that_cannot_judge_blocks_with_exit_2(row, pack, config, resources) -> None:
    resources = resources or fixture("image-signature-verified", "signer")[0]
    result = run_gate(resources, pack, config, project="paved-road", stack="dev", timeout_s=30)
    assert result.exit_code == 2 and result.error, f"{row}: {result.verdict}"
