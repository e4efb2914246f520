"""The generated alerts fire, and stay quiet, on synthetic traffic evaluated by `promtool test rules`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from companyos.catalog import ServiceSpec
from companyos.observability.slo_rules import (
    DEFAULT_MIN_REQUESTS,
    generate_rules,
    render_rules,
)

from .slo_testkit import hello_prod, run_promtool, stanza, write_yaml

pytestmark = pytest.mark.slow
VALUE_TEMPLATE = '{{ printf "%.1f" $value }}'


def availability_series(job: str, per_step: float, error_ratio: float, steps: int) -> list[dict[str, str]]:
    """Counters that grow by `per_step` requests a step, `error_ratio` of them 5xx."""
    base = f'http_requests_total{{job="{job}",route="/",method="GET",status_code='
    return [
        {"series": base + '"200"}', "values": f"0+{per_step * (1 - error_ratio):g}x{steps}"},
        {"series": base + '"500"}', "values": f"0+{per_step * error_ratio:g}x{steps}"},
    ]


def latency_series(job: str, per_step: float, slow_ratio: float, le: str, steps: int) -> list[dict[str, str]]:
    """A histogram where `slow_ratio` of requests are slower than the `le` bucket."""
    labels = f'job="{job}",route="/",method="GET",status_code="200"'
    good, total = f"0+{per_step * (1 - slow_ratio):g}x{steps}", f"0+{per_step:g}x{steps}"
    return [
        {"series": f'http_request_duration_seconds_bucket{{{labels},le="{le}"}}', "values": good},
        {"series": f'http_request_duration_seconds_bucket{{{labels},le="+Inf"}}', "values": total},
        {"series": f"http_request_duration_seconds_count{{{labels}}}", "values": total},
    ]


@dataclass(frozen=True)
class Case:
    spec: ServiceSpec
    series: list[dict[str, str]]
    eval_time: str
    expect: dict[str, str | None]  # alert name -> burn rate it fires with ("20.0"), or None: must not fire
    interval: str = "1m"
    min_requests: int = DEFAULT_MIN_REQUESTS
    notes: list[str] = field(default_factory=list)


HP = "hello-prod"
CASES = {
    # 99.9% -> budget 0.1%; 2% errors is a 20x burn, above the 14.4x page threshold in 1h and 5m.
    "the page alert fires on a 20x burn sustained over its 1h window": Case(
        hello_prod(), availability_series(HP, 100, 0.02, 90), "70m", {"SLOAvailabilityBudgetBurnPage": "20.0"}
    ),
    "the page alert stays quiet at a 1x burn": Case(
        hello_prod(), availability_series(HP, 100, 0.001, 400), "6h30m", {"SLOAvailabilityBudgetBurnPage": None}
    ),
    "the page alert stays quiet below the low-traffic minimum even at a 500x burn": Case(
        hello_prod(),
        availability_series(HP, 1, 0.5, 90),
        "70m",  # 70 requests < 100
        {"SLOAvailabilityBudgetBurnPage": None},
    ),
    "the same low traffic pages once the minimum is lowered under it": Case(
        hello_prod(),
        availability_series(HP, 1, 0.5, 90),
        "70m",
        {"SLOAvailabilityBudgetBurnPage": "500.0"},
        min_requests=50,
    ),
    # 5m steps keep the multi-day cases fast; the shortest window they use is 2h.
    "the ticket alert fires on a 4x burn over a day while the page alert does not": Case(
        hello_prod(),
        availability_series(HP, 500, 0.004, 300),
        "1d10m",
        {"SLOAvailabilityBudgetBurnTicket": "4.0", "SLOAvailabilityBudgetBurnPage": None},
        interval="5m",
    ),
    "the ticket alert fires on a 1.5x burn sustained over its 3d window": Case(
        hello_prod(),
        availability_series(HP, 500, 0.0015, 880),
        "3d10m",
        {"SLOAvailabilityBudgetBurnTicket": "1.5", "SLOAvailabilityBudgetBurnPage": None},
        interval="5m",
    ),
    "the ticket alert stays quiet at a 0.5x burn": Case(
        hello_prod(),
        availability_series(HP, 500, 0.0005, 880),
        "3d10m",
        {"SLOAvailabilityBudgetBurnTicket": None},
        interval="5m",
    ),
    # Latency at 99% -> budget 1%; 20% slower than 300 ms is a 20x burn.
    "the latency page alert fires when 20 percent of requests miss the threshold": Case(
        hello_prod(),
        latency_series(HP, 100, 0.2, "0.3", 90),
        "70m",
        {"SLOLatencyBudgetBurnPage": "20.0", "SLOAvailabilityBudgetBurnPage": None},
    ),
    "the latency page alert stays quiet when 1 percent of requests miss the threshold": Case(
        hello_prod(), latency_series(HP, 100, 0.01, "0.3", 400), "6h30m", {"SLOLatencyBudgetBurnPage": None}
    ),
    "a 1000 ms threshold reads prom-client's le=1 bucket and pages": Case(
        stanza("svc-a", threshold_ms=1000),
        latency_series("svc-a", 100, 0.2, "1", 90),
        "70m",
        {"SLOLatencyBudgetBurnPage": "20.0"},
    ),
}


def _expected_alerts(case: Case, name: str, value: str | None) -> list[dict]:
    if value is None:
        return []
    rule = next(
        r
        for g in generate_rules(case.spec, min_requests=case.min_requests)["groups"]
        for r in g["rules"]
        if r.get("alert") == name
    )
    annotations = dict(rule["annotations"])
    annotations["description"] = annotations["description"].replace(VALUE_TEMPLATE, value)
    return [{"exp_labels": rule["labels"], "exp_annotations": annotations}]


@pytest.mark.parametrize("title", list(CASES))
def test_promtool(title: str, tmp_path: Path) -> None:
    case = CASES[title]
    rules = tmp_path / "rules.yaml"
    rules.write_text(render_rules(case.spec, min_requests=case.min_requests), encoding="utf-8")
    unit = write_yaml(
        tmp_path / "test.yaml",
        {
            "rule_files": [str(rules)],
            "evaluation_interval": case.interval,
            "tests": [
                {
                    "interval": case.interval,
                    "input_series": case.series,
                    "alert_rule_test": [
                        {
                            "eval_time": case.eval_time,
                            "alertname": name,
                            "exp_alerts": _expected_alerts(case, name, value),
                        }
                        for name, value in case.expect.items()
                    ],
                }
            ],
        },
    )
    result = run_promtool("test", "rules", str(unit), timeout=180)
    assert result.returncode == 0, f"{title}\n{result.stdout}{result.stderr}"
    assert "SUCCESS" in result.stdout
