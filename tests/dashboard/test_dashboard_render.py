"""The evidence-pack PNG: every golden panel queried from Prometheus and drawn, none of them empty."""

from __future__ import annotations

import socket
import struct
from datetime import UTC, datetime, timedelta

import pytest

from companyos.contracts.errors import UserError
from companyos.observability.dashboard import build_dashboard
from companyos.observability.dashboard_render import render_dashboard_png

END = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
START = END - timedelta(hours=6)
STEP = timedelta(minutes=1)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def with_exprs(dashboard: dict, title_prefix: str, rewrite) -> dict:
    """A copy of the dashboard whose panel titled `title_prefix...` has rewritten query expressions."""

    def panel(p: dict) -> dict:
        if not p["title"].startswith(title_prefix):
            return p
        return {**p, "targets": [{**t, "expr": rewrite(t["expr"])} for t in p["targets"]]}

    return {**dashboard, "panels": [panel(p) for p in dashboard["panels"]]}


@pytest.fixture
def dashboard(hello_prod) -> dict:
    return build_dashboard(hello_prod)


def test_every_golden_panel_is_drawn_with_data_into_a_real_png(dashboard, fake_prometheus, tmp_path):
    out = tmp_path / "evidence" / "hello-prod-golden.png"
    report = render_dashboard_png(dashboard, fake_prometheus.url, out, START, END, STEP)

    drawable = [p["title"] for p in dashboard["panels"] if p["type"] in ("stat", "gauge", "timeseries")]
    assert [p.title for p in report.panels] == drawable
    assert report.empty_panels() == []
    points_per_series = int((END - START) / STEP) + 1
    for panel in report.panels:
        assert panel.series >= 1 and panel.points >= points_per_series, panel
    assert report.out == out
    data = out.read_bytes()
    assert png_size(data) == (report.width_px, report.height_px) == (2000, report.height_px)
    assert 1000 <= report.height_px <= 1500
    assert 50_000 < len(data) < 5_000_000  # a drawn grid, not a blank canvas nor a runaway figure
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_grafana_variables_are_expanded_before_the_queries_reach_prometheus(dashboard, fake_prometheus, tmp_path):
    render_dashboard_png(dashboard, fake_prometheus.url, tmp_path / "d.png", START, END, STEP)
    expected = sum(len(p.get("targets", [])) for p in dashboard["panels"])
    assert len(fake_prometheus.queries) == expected
    assert not [q for q in fake_prometheus.queries if "$" in q]
    assert any("[75s]" in q for q in fake_prometheus.queries)  # $__rate_interval at a 60s step


def test_a_panel_without_data_is_reported_empty_not_hidden(dashboard, fake_prometheus, tmp_path):
    lonely = with_exprs(dashboard, "CPU", lambda e: e.replace("process_cpu_seconds_total", "no_such_metric"))
    original = fake_prometheus.server.RequestHandlerClass._answer

    def answer_nothing_for_unknown_metrics(handler, form):
        if "no_such_metric" in form["query"][0]:
            handler._send(200, {"status": "success", "data": {"resultType": "matrix", "result": []}})
            return
        original(handler, form)

    fake_prometheus.server.RequestHandlerClass._answer = answer_nothing_for_unknown_metrics
    report = render_dashboard_png(lonely, fake_prometheus.url, tmp_path / "d.png", START, END, STEP)
    assert report.empty_panels() == ["CPU (cores)"]


def test_a_query_prometheus_rejects_names_the_panel_and_the_error(dashboard, fake_prometheus, tmp_path):
    broken = with_exprs(dashboard, "Memory", lambda e: "rate(x[$__unknown])")
    with pytest.raises(UserError, match=r"panel 'Memory \(resident\)'.*rejected the query.*parse error"):
        render_dashboard_png(broken, fake_prometheus.url, tmp_path / "d.png", START, END, STEP)
    assert not list(tmp_path.iterdir())


def test_an_unreachable_prometheus_is_named_with_the_fix(dashboard, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on: bound, never listened
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        with pytest.raises(UserError, match=rf"Prometheus at {url} did not answer.*start it or pass the right URL"):
            render_dashboard_png(dashboard, url, tmp_path / "d.png", START, END, STEP)


@pytest.mark.parametrize(
    "start, end, step, message",
    [
        (END, START, STEP, "need start < end"),
        (START, END, timedelta(0), "step > 0"),
        (START, END, timedelta(seconds=1), "exceed Prometheus' 11000; raise the step"),
        (START.replace(tzinfo=None), END, STEP, "has no timezone"),
    ],
)
def test_a_time_range_prometheus_would_refuse_is_refused_up_front(dashboard, tmp_path, start, end, step, message):
    with pytest.raises(UserError, match=message):
        render_dashboard_png(dashboard, "http://127.0.0.1:9", tmp_path / "d.png", start, end, step)
