"""Pipeline family, beyond its rule files' cases (pipeline/*.yaml, run by test_rule_cases.py)."""

from __future__ import annotations

from tests.policies.cases import load_case
from tests.policies.harness import assert_has_violation, run_rules


def test_config_can_add_required_checks_but_never_remove_the_governance_ones(pack_exceptions) -> None:
    protection = load_case("branch-protection-required-checks", "paved-road").resources
    result = run_rules(
        protection,
        {"branch-protection-required-checks": {"additional_contexts": ["build", "test", "e2e"]}},
        ["branch-protection-required-checks"],
    )
    assert_has_violation(result, "branch-protection-required-checks", "hello-prod-main", "lacks e2e")
    # Dropping build and test is a weakening: only under an exception, and the governance checks still hold.
    pack_exceptions([("branch-protection-required-checks", "additional_contexts")])
    emptied = run_rules(
        load_case("branch-protection-required-checks", "no-policy-gate").resources,
        {"branch-protection-required-checks": {"additional_contexts": []}},
        ["branch-protection-required-checks"],
    )
    assert_has_violation(emptied, "branch-protection-required-checks", "hello-prod-main", "lacks policy-gate")
