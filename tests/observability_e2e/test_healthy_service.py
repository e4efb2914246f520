"""A healthy hello-prod under the real local stack: traces, metrics, rules, dashboard queries, check-deploy.

Slow: builds the template once per session, starts Prometheus, Alertmanager and the OTLP receiver.
"""

from __future__ import annotations

import json
import secrets
import shlex
import time
from collections.abc import Iterator
from pathlib import Path

import promql_parser
import pytest

from companyos.catalog import load_catalog
from companyos.observability import generate_rules
from companyos.observability.otlp_receiver import read_spans
from companyos.observability.runbook import render_runbook, runbook_command_lines

from .conftest import (
    CATALOG,
    SERVICE,
    LiveStack,
    free_port,
    golden_queries,
    http,
    live_stack,
    prom_query,
    run_cli,
    run_subprocess_cli,
    send_traffic,
    wait_until,
)

pytestmark = pytest.mark.slow

TRACE_ID, PARENT_ID = secrets.token_hex(16), secrets.token_hex(8)


@pytest.fixture(scope="module")
def healthy(hello_prod_service: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveStack, int]]:
    with live_stack(hello_prod_service, tmp_path_factory.mktemp("obs-healthy")) as stack:
        sent = send_traffic(stack.url)
        status, _, _ = http(f"{stack.url}/hello", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
        assert status == 200
        sent += 1
        # Only the routes the traffic used: Prometheus' own scrapes of /metrics are counted too, and with
        # them in the sum it could reach `sent` while the last requests were not scraped yet.
        wait_until(
            "Prometheus counted the traffic",
            lambda: prom_query(
                stack.prometheus_url, f'sum(http_requests_total{{job="{SERVICE}",route=~"/hello|/echo"}}) >= {sent}'
            ),
        )
        yield stack, sent


def runbook_line(prefix: str) -> list[str]:
    """The first runbook command starting with `prefix`, as argv without the program name."""
    runbook = render_runbook(load_catalog(CATALOG).service(SERVICE))
    line = next(line for line in runbook_command_lines(runbook) if line.startswith(prefix))
    return shlex.split(line)[1:]


def with_option(argv: list[str], option: str, value: str) -> list[str]:
    """argv with `option`'s value replaced (the runbook names the usual ports; the test's are free ones)."""
    out = list(argv)
    if option in out:
        out[out.index(option) + 1] = value
    else:
        out += [option, value]
    return out


def test_a_callers_trace_id_reaches_the_log_line_the_otlp_receiver_and_the_request_counters_move(healthy) -> None:
    stack, sent = healthy
    line = stack.service.wait_for_log(lambda entry: entry.get("msg") == "request" and entry.get("trace_id") == TRACE_ID)
    assert line["route"] == "/hello" and line["status"] == 200

    spans = wait_until(
        "the traced request's spans were stored",
        lambda: [s for s in read_spans(stack.work_dir / "spans.jsonl") if s.trace_id == TRACE_ID],
    )
    server = next(s for s in spans if s.parent_span_id == PARENT_ID)
    assert server.span_id == line["span_id"]
    assert server.service_name == SERVICE
    assert server.end_unix_nano >= server.start_unix_nano > 0
    assert server.attributes  # the HTTP instrumentation's attributes survived the round trip

    by_route = {
        r["metric"]["route"]: float(r["value"][1])
        for r in prom_query(stack.prometheus_url, f'sum by (route) (http_requests_total{{job="{SERVICE}"}})')
    }
    assert by_route["/hello"] >= 240 and by_route["/echo"] >= 60, by_route
    assert sum(by_route.values()) >= sent


def test_prometheus_loaded_every_generated_slo_rule_group_and_evaluates_each_rule_without_error(healthy) -> None:
    stack, _ = healthy
    expected = generate_rules(load_catalog(CATALOG).service(SERVICE))["groups"]

    def evaluated() -> list[dict]:
        groups = json.loads(http(f"{stack.prometheus_url}/api/v1/rules")[2])["data"]["groups"]
        done = all(r.get("lastEvaluation", "").startswith("20") for g in groups for r in g["rules"])
        return groups if done and groups else []

    groups = wait_until("every rule evaluated once", evaluated)
    assert sorted(g["name"] for g in groups) == sorted(g["name"] for g in expected)
    for group in groups:
        want = next(g for g in expected if g["name"] == group["name"])
        assert len(group["rules"]) == len(want["rules"])
        unhealthy = [(r["name"], r.get("lastError")) for r in group["rules"] if r["health"] != "ok"]
        assert unhealthy == [], group["name"]
    # The recording rules produce series for the scraped job, not just "ok" over nothing.
    assert prom_query(stack.prometheus_url, f'slo:sli_requests:increase5m{{service="{SERVICE}"}} > 0')


def test_obs_status_from_the_runbook_shows_every_component_ready_and_the_scrape_target_up(healthy) -> None:
    stack, _ = healthy
    result = run_cli(*runbook_line("companyos obs status"), "--work-dir", str(stack.work_dir))
    assert result.exit_code == 0, result.output
    for component in ("otlp-receiver", "alertmanager", "prometheus", f"scrape {SERVICE}"):
        assert component in result.output
    assert "NO" not in result.output


def test_check_deploy_from_the_runbook_reports_the_healthy_service_with_exit_0_and_json_evidence(
    healthy, tmp_path: Path
) -> None:
    stack, _ = healthy
    argv = with_option(
        with_option(runbook_line("companyos check-deploy"), "--url", stack.url), "--prometheus", stack.prometheus_url
    )
    argv = with_option(with_option(argv, "--catalog", str(CATALOG)), "--json", str(tmp_path / "report.json"))
    began = time.monotonic()
    result = run_cli(*argv)
    seconds = time.monotonic() - began
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["schema"], report["verdict"], report["exit_code"]) == ("paved-road.check-deploy/v1", "healthy", 0)
    assert {c["name"]: c["status"] for c in report["checks"]} == {
        "metrics-present": "pass",
        "traffic": "pass",
        "error-ratio": "pass",
        "latency": "pass",
    }
    assert [p["status"] for p in report["probes"]] == ["pass"] * 4
    assert report["slo"]["error_ratio_threshold"] == pytest.approx(0.001 * 14.4)
    assert seconds < 10, f"check-deploy took {seconds:.1f}s"


@pytest.mark.parametrize("down", ["prometheus", "service"])
def test_check_deploy_exits_2_could_not_check_when_prometheus_or_the_service_does_not_answer(
    healthy, down: str, tmp_path: Path
) -> None:
    stack, _ = healthy
    nobody = f"http://127.0.0.1:{free_port()}"
    url, prometheus = (stack.url, nobody) if down == "prometheus" else (nobody, stack.prometheus_url)
    args = [
        "check-deploy",
        "--service",
        SERVICE,
        "--catalog",
        str(CATALOG),
        "--url",
        url,
        "--prometheus",
        prometheus,
        "--probe-count",
        "1",
        "--json",
        str(tmp_path / "r.json"),
    ]
    if down == "prometheus":
        # Once through the real entry point (~5 s of imports): the process exit code is what CI sees.
        result = run_subprocess_cli(*args)
        assert result.returncode == 2, result.stdout + result.stderr
    else:
        assert run_cli(*args).exit_code == 2
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["verdict"] == "could-not-check"
    failed = (
        [c["name"] for c in report["checks"] if c["status"] == "error"]
        if down == "prometheus"
        else [p["path"] for p in report["probes"] if p["status"] == "error"]
    )
    assert failed == (
        ["metrics-present", "traffic", "error-ratio", "latency"]
        if down == "prometheus"
        else ["/healthz", "/readyz", "/hello", "/echo"]
    )


def test_every_golden_dashboard_query_parses_and_returns_data_before_any_5xx(healthy) -> None:
    """A service that never answered 5xx has no 5xx series; the dashboard counts that as zero errors
    (`or vector(0)`), so every panel, availability and budget included, has data on a healthy service."""
    stack, _ = healthy
    queries = golden_queries()
    assert len(queries) >= 10
    empty = []
    for title, expr in queries:
        promql_parser.parse(expr)  # raises ValueError on anything Prometheus' grammar refuses
        if not prom_query(stack.prometheus_url, expr):
            empty.append(title)
    assert empty == []
