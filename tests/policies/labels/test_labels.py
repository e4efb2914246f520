"""Labels family: each fixture beside this file against its rule (good-* pass, bad-* fail as stated)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.harness import Expect, check_fixture, fixtures

HERE = Path(__file__).parent
EXPECTED = {
    "bad-pull-request-governance-labels--below-the-service.json": Expect(
        "", "label `risk:medium` is below what Repository hello-prod declares (risk: high)"
    ),
    "bad-kubernetes-governance-labels--missing-risk.json": Expect(
        "Service::hello-prod-service", "label `risk` (metadata.labels.risk) is missing"
    ),
    "bad-kubernetes-governance-labels--pod-template-without-owner.json": Expect(
        "Deployment::hello-prod-deployment", "label `owner` (spec.template.metadata.labels.owner) is missing"
    ),
    "bad-kubernetes-governance-labels--unknown-risk.json": Expect(
        "Service::hello-prod-service", "UNKNOWN DURING PREVIEW: .metadata.labels.risk"
    ),
    "bad-repository-governance-topics--no-owner.json": Expect(
        "Repository::hello-prod", "needs exactly one topic `owner-<value>` (topics), found none"
    ),
    "bad-repository-governance-topics--invalid-risk.json": Expect(
        "Repository::hello-prod", "topic `risk-extreme`: the value is 'extreme', not one of low, medium, high"
    ),
    "bad-pull-request-governance-labels--no-labels.json": Expect(
        "", "labels from pull request #8 labels): needs exactly one `risk:<value>` label, found none"
    ),
    "bad-pull-request-governance-labels--absent.json": Expect("", "`pull-request-governance-labels.labels` is absent"),
}


@pytest.mark.parametrize("fixture", fixtures(HERE), ids=lambda p: p.name)
def test_each_labels_fixture_passes_or_fails_its_rule_as_its_name_says(fixture: Path) -> None:
    check_fixture(fixture, EXPECTED)


def test_a_missing_label_names_the_stanza_field_to_edit() -> None:
    from tests.policies.harness import run_fixture

    violation = run_fixture(HERE / "bad-kubernetes-governance-labels--missing-risk.json").violations[0]
    assert "Fix: services.yaml: set `risk` for hello-prod (low, medium, high)" in violation.message
