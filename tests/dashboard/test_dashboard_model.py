"""The golden dashboard model: queries Prometheus can parse, the panels the SLO review asks for,
a layout Grafana can place, and a model the SDK's schema-generated types read back unchanged."""

from __future__ import annotations

import dataclasses
import json

import promql_parser
import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

from companyos.catalog import LatencySlo, Slo
from companyos.contracts.errors import UserError
from companyos.observability.dashboard import (
    build_dashboard,
    dashboard_json,
    dashboard_uid,
)
from companyos.observability.dashboard_queries import expand_grafana_variables

TEMPLATE_METRICS = {
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "nodejs_eventloop_lag_p99_seconds",
}


def panels(dashboard: dict) -> list[dict]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def targets(dashboard: dict) -> list[tuple[str, dict]]:
    return [(p["title"], t) for p in panels(dashboard) for t in p.get("targets", [])]


def selectors(expr: str) -> list[promql_parser.VectorSelector]:
    found: list[promql_parser.VectorSelector] = []

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


@pytest.fixture(scope="module")
def dashboard(hello_prod) -> dict:
    return build_dashboard(hello_prod)


@pytest.mark.parametrize("step_seconds", [15, 60, 3600])
def test_every_target_expression_parses_as_promql_once_grafana_has_expanded_its_variables(dashboard, step_seconds):
    assert targets(dashboard)
    for title, target in targets(dashboard):
        expr = expand_grafana_variables(target["expr"], step_seconds=step_seconds)
        assert "$" not in expr, f"{title}: unexpanded variable in {expr}"
        promql_parser.parse(expr)  # raises ValueError on a syntax error


def test_every_selector_reads_a_template_metric_of_this_service_only(dashboard, hello_prod):
    for title, target in targets(dashboard):
        found = selectors(expand_grafana_variables(target["expr"], step_seconds=60))
        assert found, f"{title}: no metric selector"
        for selector in found:
            assert selector.name in TEMPLATE_METRICS, f"{title}: {selector.name} is not a template metric"
            jobs = [(m.name, m.value) for m in selector.matchers.matchers if m.name == "job"]
            assert jobs == [("job", hello_prod.name)], f"{title}: selector {selector.name} matches {jobs}"


@pytest.mark.parametrize(
    "needle, panel_type",
    [
        ("SLO", "stat"),
        ("Error budget remaining", "gauge"),
        ("Burn rate", "timeseries"),
        ("Latency SLO compliance", "stat"),
        ("Request rate", "timeseries"),
        ("Error rate", "timeseries"),
        ("Latency p50 / p95 / p99", "timeseries"),
        ("CPU", "timeseries"),
        ("Memory", "timeseries"),
        ("Event-loop lag", "timeseries"),
    ],
)
def test_the_golden_panel_is_present_with_its_visualisation(dashboard, needle, panel_type):
    matching = [p for p in panels(dashboard) if needle.lower() in p["title"].lower()]
    assert matching, f"no panel titled like '{needle}' in {[p['title'] for p in panels(dashboard)]}"
    assert panel_type in {p["type"] for p in matching}


def test_the_rows_are_slo_then_red_then_saturation(dashboard):
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert [r.split(" ")[0] for r in rows] == ["SLO", "RED", "Saturation"]


def panel(dashboard: dict, needle: str) -> dict:
    return next(p for p in panels(dashboard) if needle.lower() in p["title"].lower())


def steps(p: dict) -> list[tuple[float | None, str]]:
    return [(s["value"], s["color"]) for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]]


def test_availability_turns_green_at_the_objective_over_the_slo_window(dashboard):
    availability = panel(dashboard, "Availability SLO")
    assert steps(availability) == [(None, "red"), (0.999, "green")]
    assert "[30d]" in availability["targets"][0]["expr"]


def test_burn_rate_draws_the_paging_thresholds_as_lines(dashboard):
    burn = panel(dashboard, "Burn rate")
    assert [v for v, _ in steps(burn)] == [None, 6.0, 14.4]
    assert burn["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] in ("line", "dashed")
    assert sorted(t["legendFormat"] for t in burn["targets"]) == ["burn rate 1h", "burn rate 6h"]
    assert all(t["expr"].endswith("/ 0.001") for t in burn["targets"])


def test_error_budget_remaining_is_one_minus_the_error_ratio_over_the_budget(dashboard):
    expr = panel(dashboard, "Error budget remaining")["targets"][0]["expr"]
    assert expr.startswith("1 - (") and expr.endswith(") / 0.001")
    assert 'status_code=~"5.."' in expr and "[30d]" in expr


def test_latency_compliance_counts_requests_under_the_threshold_bucket(dashboard):
    latency = panel(dashboard, "Latency SLO compliance")
    assert 'le="0.3"' in latency["targets"][0]["expr"] and 'le="+Inf"' in latency["targets"][0]["expr"]
    assert steps(latency) == [(None, "red"), (0.99, "green")]


@pytest.mark.parametrize(
    "slo, expected",
    [
        (
            Slo(availability=99.5, latency=LatencySlo(threshold_ms=1000, objective=95.0), window_days=28),
            {"budget": "/ 0.005", "le": 'le=~"1|1.0"', "burn": [None, 5.6, 13.44], "window": "[28d]"},
        ),
        (
            Slo(availability=99.99, latency=LatencySlo(threshold_ms=250, objective=99.9), window_days=7),
            {"budget": "/ 0.0001", "le": 'le="0.25"', "burn": [None, 3.5, 13.44], "window": "[7d]"},
        ),
    ],
)
def test_other_slos_move_every_number_with_them(hello_prod, slo, expected):
    dashboard = build_dashboard(dataclasses.replace(hello_prod, slo=slo))
    budget_expr = panel(dashboard, "Error budget remaining")["targets"][0]["expr"]
    assert budget_expr.endswith(expected["budget"]) and expected["window"] in budget_expr
    assert expected["le"] in panel(dashboard, "Latency SLO compliance")["targets"][0]["expr"]
    assert [v for v, _ in steps(panel(dashboard, "Burn rate"))] == expected["burn"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"template": "django"}, "template 'django'"),
        ({"slo": Slo(latency=LatencySlo(threshold_ms=333))}, "slo.latency.threshold_ms 333"),
        ({"slo": Slo(window_days=90)}, "slo.window_days: 90 days"),
    ],
)
def test_a_stanza_the_dashboard_cannot_measure_is_refused_naming_the_field(hello_prod, change, message):
    with pytest.raises(UserError, match=message.replace(".", r"\.")):
        build_dashboard(dataclasses.replace(hello_prod, **change))


def test_saturation_panels_draw_the_stanza_resource_limits(dashboard):
    assert steps(panel(dashboard, "CPU")) == [(None, "green"), (0.5, "red")]
    assert steps(panel(dashboard, "Memory")) == [(None, "green"), (256 * 2**20, "red")]


def test_panel_ids_are_unique_and_every_target_has_a_ref_id_and_the_prometheus_datasource(dashboard):
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for p in panels(dashboard):
        ref_ids = [t["refId"] for t in p["targets"]]
        assert all(ref_ids) and len(ref_ids) == len(set(ref_ids)), p["title"]
        for t in p["targets"]:
            assert t["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
        assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_panels_sit_inside_the_24_column_grid_without_overlapping(dashboard):
    cells: dict[tuple[int, int], str] = {}
    for p in dashboard["panels"]:
        pos = p["gridPos"]
        assert all(isinstance(pos[k], int) and pos[k] >= 0 for k in "xywh"), p["title"]
        assert pos["w"] >= 1 and pos["h"] >= 1 and pos["x"] + pos["w"] <= 24, p["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{p['title']} overlaps {cells[(x, y)]} at x={x} y={y}"
                cells[(x, y)] = p["title"]


def test_the_datasource_is_a_prometheus_template_variable(dashboard):
    variables = dashboard["templating"]["list"]
    assert [(v["name"], v["type"], v["query"]) for v in variables] == [("datasource", "datasource", "prometheus")]


@pytest.mark.parametrize(
    "base, runbook, slo_doc",
    [
        ("", "docs/runbooks/hello-prod.md", "docs/slo/SLO-001-hello-prod.md"),
        (
            "https://docs.example.test/paved-road/",
            "https://docs.example.test/paved-road/docs/runbooks/hello-prod.md",
            "https://docs.example.test/paved-road/docs/slo/SLO-001-hello-prod.md",
        ),
    ],
)
def test_links_point_at_the_runbook_and_the_slo_document(hello_prod, base, runbook, slo_doc):
    links = build_dashboard(hello_prod, docs_base_url=base)["links"]
    assert [link["url"] for link in links] == [runbook, slo_doc]
    assert all(link["type"] == "link" for link in links)


def test_identity_title_and_tags_come_from_the_stanza(dashboard):
    assert dashboard["uid"] == "golden-hello-prod"
    assert dashboard["title"] == "hello-prod — golden signals"
    assert dashboard["tags"] == ["paved-road", "owner:team-platform", "risk:medium"]


def test_a_forty_character_service_name_still_gets_a_valid_distinct_uid():
    long_a, long_b = "a" * 39 + "b", "a" * 39 + "c"
    assert len(dashboard_uid(long_a)) <= 40 and len(dashboard_uid(long_b)) <= 40
    assert dashboard_uid(long_a) != dashboard_uid(long_b)
    assert dashboard_uid(long_a) == dashboard_uid(long_a)


def test_two_builds_of_the_same_stanza_are_byte_identical(hello_prod):
    assert dashboard_json(hello_prod) == dashboard_json(hello_prod)
    assert json.loads(dashboard_json(hello_prod)) == build_dashboard(hello_prod)


def test_the_sdk_schema_types_read_the_model_back_without_losing_a_field(dashboard):
    # No JSON Schema of Grafana's dashboard ships in a package we can install (not this SDK, not npm's
    # @grafana/schema 13.2.3 or @grafana/grafana-foundation-sdk 0.0.21, which carry TypeScript types).
    # The SDK's types are generated from Grafana's schema and drop any key they do not know, so an
    # exact round trip means every field we emit is one Grafana's schema defines.
    register_default_plugins()
    again = json.loads(json.dumps(Dashboard.from_json(dashboard), cls=JSONEncoder))
    assert again == dashboard


def test_the_round_trip_check_would_notice_a_field_grafana_does_not_know(dashboard):
    register_default_plugins()
    tampered = json.loads(json.dumps(dashboard))
    tampered["panels"][1]["fieldConfig"]["defaults"]["unitt"] = "s"
    again = json.loads(json.dumps(Dashboard.from_json(tampered), cls=JSONEncoder))
    assert again != tampered
