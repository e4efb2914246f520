"""Stack family: each Deployment has its alerts and dashboard, and every service an SLO."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.harness import Expect, check_fixture, fixtures

HERE = Path(__file__).parent
DEPLOYMENT = "Deployment::hello-prod-deployment"
EXPECTED = {
    "bad-deployment-observability--no-dashboard.json": Expect(
        DEPLOYMENT, "no dashboard ConfigMap (label grafana_dashboard: \"1\") in namespace 'hello-prod'"
    ),
    "bad-service-slo-declared--no-slo.json": Expect(
        DEPLOYMENT, "(service hello-prod): annotation `paved-road.dev/slo` (metadata.annotations) is missing"
    ),
}


@pytest.mark.parametrize("fixture", fixtures(HERE), ids=lambda p: p.name)
def test_each_stack_fixture_passes_or_fails_its_rule_as_its_name_says(fixture: Path) -> None:
    check_fixture(fixture, EXPECTED)
