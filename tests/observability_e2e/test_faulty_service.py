"""hello-prod failing half its /hello requests (FAULT_ERROR_RATE=0.5): check-deploy says unhealthy, and every
golden panel, the 5xx ones included, draws from the real Prometheus.

Slow: one more obs stack, its own so the healthy module's data cannot leak into these verdicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import promql_parser
import pytest

from companyos.catalog import load_catalog
from companyos.observability.dashboard import build_dashboard
from companyos.observability.dashboard_render import render_dashboard_png

from .conftest import (
    CATALOG,
    SERVICE,
    STEP_S,
    LiveStack,
    golden_queries,
    live_stack,
    prom_query,
    restart_service,
    run_cli,
    send_traffic,
    wait_until,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faulty(hello_prod_service: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """Healthy first (so the stack sees the series start), then restarted on the same port with faults."""
    with live_stack(hello_prod_service, tmp_path_factory.mktemp("obs-faulty")) as stack:
        send_traffic(stack.url, rounds=1, per_round=50)
        restart_service(stack, hello_prod_service, FAULT_ERROR_RATE="0.5")
        send_traffic(stack.url)
        wait_until(
            "Prometheus saw the 5xx answers",
            lambda: prom_query(
                stack.prometheus_url, f'sum(rate(http_requests_total{{job="{SERVICE}",status_code=~"5.."}}[1m])) > 0'
            ),
        )
        yield stack


def test_check_deploy_reports_the_failing_service_unhealthy_with_exit_1_and_names_the_error_ratio(
    faulty, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    result = run_cli(
        "check-deploy",
        "--service",
        SERVICE,
        "--catalog",
        str(CATALOG),
        "--url",
        faulty.url,
        "--prometheus",
        faulty.prometheus_url,
        "--window",
        "1m",
        "--json",
        str(out),
    )
    assert result.exit_code == 1, result.output
    report = json.loads(out.read_text())
    assert report["verdict"] == "unhealthy"
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["error-ratio"]["status"] == "fail"
    # Half of /hello fails and /hello is most of the traffic: far above the 1.44% page threshold.
    assert checks["error-ratio"]["value"] > 0.1 > checks["error-ratio"]["threshold"]
    assert checks["latency"]["status"] == "pass"  # errors are fast; the check tells the two SLIs apart
    probes = {p["path"]: p["status"] for p in report["probes"]}
    assert probes == {"/healthz": "pass", "/readyz": "pass", "/hello": "fail", "/echo": "pass"}


def test_every_golden_dashboard_query_parses_and_returns_data_once_the_service_has_answered_5xx(faulty) -> None:
    empty = []
    for title, expr in golden_queries():
        promql_parser.parse(expr)
        if not prom_query(faulty.prometheus_url, expr):
            empty.append(f"{title}: {expr}")
    assert empty == []


def test_the_dashboard_png_draws_every_panel_with_data_from_the_real_prometheus(faulty, tmp_path: Path) -> None:
    dashboard = build_dashboard(load_catalog(CATALOG).service(SERVICE))
    end = datetime.now(UTC)
    out = tmp_path / "evidence" / f"{SERVICE}-golden.png"
    report = render_dashboard_png(
        dashboard, faulty.prometheus_url, out, end - timedelta(minutes=2), end, timedelta(seconds=STEP_S)
    )
    drawable = [p["title"] for p in dashboard["panels"] if p["type"] in ("stat", "gauge", "timeseries")]
    assert [p.title for p in report.panels] == drawable
    assert report.empty_panels() == []
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report.width_px == 2000 and out.stat().st_size > 50_000
