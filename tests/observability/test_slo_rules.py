"""generate_rules: a deterministic, valid Prometheus rule file for a catalogue stanza."""

from __future__ import annotations

import os
import re
from pathlib import Path

import promql_parser
import pytest
import yaml

from companyos.catalog import TEMPLATE_LATENCY_BUCKETS_MS
from companyos.contracts.errors import UserError
from companyos.observability.slis import le_label
from companyos.observability.slo_rules import generate_rules, render_rules

from .slo_testkit import hello_prod, run_promtool, stanza

GOLDEN = Path(__file__).parent / "golden" / "hello-prod.rules.yaml"
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")  # Prometheus data model; recording names may use ':'
RAW_METRICS = {"http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_count"}

# Stanzas that vary objective, threshold and period; each must pass promtool.
STANZAS = {
    "hello-prod": hello_prod(),
    "strict-7d": stanza("strict-7d", availability=99.99, threshold_ms=50, latency=99.9, window_days=7),
    "loose-28d": stanza("loose-28d", availability=99.5, threshold_ms=1000, latency=95, window_days=28),
    "slow-batch": stanza("slow-batch", availability=98, threshold_ms=2500, latency=90),
}


def _rules(document: dict) -> list[dict]:
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_hello_prod_rules_equal_the_golden_file() -> None:
    text = render_rules(hello_prod())
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), "rules changed: review, then rerun with UPDATE_GOLDEN=1"


def test_generating_twice_gives_the_same_document() -> None:
    assert generate_rules(hello_prod()) == generate_rules(hello_prod())
    assert render_rules(hello_prod()) == render_rules(hello_prod())


def test_the_rendered_yaml_loads_back_to_the_generated_document() -> None:
    assert yaml.safe_load(render_rules(hello_prod())) == generate_rules(hello_prod())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STANZAS))
def test_promtool_check_rules_accepts_the_rules_of(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.rules.yaml"
    path.write_text(render_rules(STANZAS[name]), encoding="utf-8")
    result = run_promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(_rules(generate_rules(STANZAS[name])))} rules found" in result.stdout


def _vector_selectors(expr: object) -> list:
    found: list = []

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(expr, pre_visit=visit)
    return found


@pytest.mark.parametrize("name", sorted(STANZAS))
def test_every_expression_parses_with_promql_parser_and_selects_only_its_own_job(name: str) -> None:
    spec = STANZAS[name]
    for rule in _rules(generate_rules(spec)):
        expr = promql_parser.parse(rule["expr"])  # raises ValueError on a syntax error
        for selector in _vector_selectors(expr):
            labels = {m.name: m.value for m in selector.matchers.matchers}
            if selector.name in RAW_METRICS:
                assert labels.get("job") == spec.name, (rule, selector)
            else:  # our own recordings, pinned to this service's SLO series
                assert labels.get("service") == spec.name and labels.get("slo", "").startswith(spec.name), (
                    rule,
                    selector,
                )


def test_rule_names_are_valid_and_each_record_is_unique_per_slo() -> None:
    rules = _rules(generate_rules(hello_prod()))
    for rule in rules:
        assert METRIC_NAME.match(rule.get("record") or rule["alert"]), rule
        assert ":" not in rule.get("alert", ""), "alert names must be plain metric names"
    keys = [(r["record"], r["labels"]["slo"]) for r in rules if "record" in r]
    assert len(keys) == len(set(keys))


def test_there_are_error_ratios_and_request_counts_for_every_window_of_both_slis() -> None:
    records = {(r["record"], r["labels"]["slo"]) for r in _rules(generate_rules(hello_prod())) if "record" in r}
    for slo in ("hello-prod-availability", "hello-prod-latency"):
        for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d"):
            assert (f"slo:sli_error:ratio_rate{window}", slo) in records
            assert (f"slo:sli_requests:increase{window}", slo) in records
        assert ("slo:period_error_budget_remaining:ratio", slo) in records


def test_each_sli_has_a_critical_page_and_a_warning_ticket_alert_with_routing_labels_and_links() -> None:
    alerts = [r for r in _rules(generate_rules(hello_prod())) if "alert" in r]
    assert [(a["alert"], a["labels"]["severity"]) for a in alerts] == [
        ("SLOAvailabilityBudgetBurnPage", "critical"),
        ("SLOAvailabilityBudgetBurnTicket", "warning"),
        ("SLOLatencyBudgetBurnPage", "critical"),
        ("SLOLatencyBudgetBurnTicket", "warning"),
    ]
    for alert in alerts:
        assert {k: alert["labels"][k] for k in ("service", "owner", "risk")} == {
            "service": "hello-prod",
            "owner": "team-platform",
            "risk": "medium",
        }
        assert alert["annotations"]["runbook_url"] == f"docs/runbooks/hello-prod.md#{alert['alert'].lower()}"
        assert alert["annotations"]["dashboard"] == "dashboards/hello-prod.json"
        assert "$value" in alert["annotations"]["description"]


def test_the_latency_sli_reads_the_bucket_prom_client_exposes_for_the_threshold() -> None:
    exprs = " ".join(r["expr"] for r in _rules(generate_rules(stanza(threshold_ms=1000))))
    assert 'http_request_duration_seconds_bucket{job="svc-a",le="1"}' in exprs
    assert 'le="1.0"' not in exprs


# le values prom-client 15.1.3 printed for the node-express buckets (ms / 1000 as JS numbers).
PROM_CLIENT_LE = [
    "0.005",
    "0.01",
    "0.025",
    "0.05",
    "0.1",
    "0.2",
    "0.25",
    "0.3",
    "0.4",
    "0.5",
    "0.75",
    "1",
    "2.5",
    "5",
    "10",
]


def test_le_labels_match_prom_client_formatting_for_every_template_bucket() -> None:
    assert [le_label(ms) for ms in TEMPLATE_LATENCY_BUCKETS_MS["node-express"]] == PROM_CLIENT_LE


@pytest.mark.parametrize("threshold_ms", [301, 299, 1, 60000])
def test_a_threshold_that_is_not_a_histogram_bucket_is_refused_naming_the_field(threshold_ms: int) -> None:
    with pytest.raises(UserError) as error:
        generate_rules(stanza(threshold_ms=threshold_ms))
    message = str(error.value)
    assert "slo.latency.threshold_ms" in message
    assert "5, 10, 25, 50, 100, 200, 250, 300, 400, 500, 750, 1000, 2500, 5000, 10000" in message


def test_an_unknown_template_is_refused_naming_the_field() -> None:
    with pytest.raises(UserError, match="field 'template'"):
        generate_rules(stanza(template="go-chi"))


@pytest.mark.parametrize("bad", [-1, 1.5, "100", True])
def test_a_min_requests_that_is_not_a_whole_number_is_refused(bad: object) -> None:
    with pytest.raises(UserError, match="--min-requests"):
        generate_rules(hello_prod(), min_requests=bad)  # type: ignore[arg-type]


def test_min_requests_sets_the_low_traffic_guard_of_every_alert() -> None:
    alerts = [r for r in _rules(generate_rules(hello_prod(), min_requests=7)) if "alert" in r]
    for alert in alerts:
        guards = re.findall(r"slo:sli_requests:increase\w+\{[^}]*\} >= (\d+)", alert["expr"])
        assert guards == ["7", "7"], alert["expr"]
