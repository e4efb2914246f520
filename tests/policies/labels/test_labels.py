"""Labels family, beyond its rule files' cases (labels/*.yaml, run by test_rule_cases.py)."""

from __future__ import annotations

from tests.policies.cases import load_case, run_case


def test_a_missing_label_names_the_stanza_field_to_edit() -> None:
    violation = run_case(load_case("kubernetes-governance-labels", "missing-risk")).violations[0]
    assert "Fix: services.yaml: set `risk` for hello-prod (low, medium, high)" in violation.message
