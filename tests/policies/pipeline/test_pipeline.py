"""Pipeline family: the CI workflow's jobs, the branch protection's required checks, both present."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.harness import Expect, assert_has_violation, check_fixture, fixtures, load_fixture, run_rules

HERE = Path(__file__).parent
EXPECTED = {
    "bad-ci-workflow-required-jobs--no-sign-job.json": Expect(
        "RepositoryFile::hello-prod-file-github-workflows-ci-yml", "does not declare the job(s) sign"
    ),
    "bad-branch-protection-required-checks--no-policy-gate.json": Expect(
        "BranchProtection::hello-prod-main", "requiredStatusChecks.contexts lacks policy-gate"
    ),
    "bad-repository-pipeline-present--no-branch-protection.json": Expect(
        "Repository::hello-prod", "no BranchProtection for `main` is managed next to it"
    ),
    "bad-repository-file-allowed--second-workflow.json": Expect(
        "RepositoryFile::hello-prod-file-github-workflows-ci-yml",
        "`.github/workflows/release-secrets.yml` in hello-prod is not a file the platform manages",
    ),
    "bad-branch-protection-hardened--force-push-no-review.json": Expect(
        "BranchProtection::hello-prod-main", "allowsForcePushes is True; it must be false"
    ),
}


@pytest.mark.parametrize("fixture", fixtures(HERE), ids=lambda p: p.name)
def test_each_pipeline_fixture_passes_or_fails_its_rule_as_its_name_says(fixture: Path) -> None:
    check_fixture(fixture, EXPECTED)


def test_config_can_add_required_checks_but_never_remove_the_governance_ones(pack_exceptions) -> None:
    protection = load_fixture(HERE / "good-branch-protection-required-checks.json")
    result = run_rules(
        protection,
        {"branch-protection-required-checks": {"additional_contexts": ["build", "test", "e2e"]}},
        ["branch-protection-required-checks"],
    )
    assert_has_violation(result, "branch-protection-required-checks", "hello-prod-main", "lacks e2e")
    # Dropping build and test is a weakening: only under an exception, and the governance checks still hold.
    pack_exceptions([("branch-protection-required-checks", "additional_contexts")])
    emptied = run_rules(
        load_fixture(HERE / "bad-branch-protection-required-checks--no-policy-gate.json"),
        {"branch-protection-required-checks": {"additional_contexts": []}},
        ["branch-protection-required-checks"],
    )
    assert_has_violation(emptied, "branch-protection-required-checks", "hello-prod-main", "lacks policy-gate")
