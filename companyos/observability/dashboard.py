"""The golden-signals Grafana dashboard of a catalogue service, built with grafana-foundation-sdk.

`build_dashboard(spec)` returns Grafana's dashboard model as plain JSON data; `write_dashboard` puts it
in dashboards/<name>.json. `python -m companyos.observability.dashboard` regenerates every service's
file from services.yaml (tests/dashboard fails when a committed file drifts from the generator).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from decimal import Decimal
from pathlib import Path

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import gauge, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    Threshold,
    ThresholdsMode,
)

from companyos.catalog import ServiceSpec, load_catalog
from companyos.observability.dashboard_queries import (
    GoldenQueries,
    golden_queries,
    number,
    quantity,
)
from companyos.support.files import atomic_write

DATASOURCE_VARIABLE = "datasource"
DATASOURCE = DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
GRID_WIDTH = 24
PanelBuilder = stat.Panel | gauge.Panel | timeseries.Panel
# One height for every panel of a row keeps the grid free of holes.
PANEL_HEIGHT = 8
# Grafana's palette names, so the JSON reads the same as a dashboard saved from the UI.
GREEN, ORANGE, RED = "green", "orange", "red"


def dashboard_uid(name: str) -> str:
    """Stable across builds and Grafana instances; Grafana caps a uid at 40 characters."""
    uid = f"golden-{name}"
    if len(uid) <= 40:
        return uid
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"golden-{name[: 40 - len('golden-') - 9]}-{digest}"


def docs_url(docs_base_url: str, path: str) -> str:
    """`path` under the docs base; an empty base leaves the link relative to the repository root."""
    if not docs_base_url:
        return path
    return f"{docs_base_url.rstrip('/')}/{path}"


def _thresholds(base: str, *steps: tuple[Decimal, str]) -> dash.ThresholdsConfig:
    return (
        dash.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=None, color=base)] + [Threshold(value=float(v), color=c) for v, c in steps])
    )


def _ref_id(index: int) -> str:
    return chr(ord("A") + index)


def _query(expr: str, legend: str, ref_id: str) -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref_id).datasource(DATASOURCE)


def _stat(title: str, description: str, expr: str, legend: str, objective: Decimal) -> stat.Panel:
    return (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(_query(expr, legend, "A"))
        .unit("percentunit")
        .decimals(3)
        .thresholds(_thresholds(RED, (objective, GREEN)))
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
        .color_mode(common.BigValueColorMode.VALUE)
        .graph_mode(common.BigValueGraphMode.AREA)
        .height(PANEL_HEIGHT)
        .span(5)
    )


def _graph(title: str, description: str, unit: str, width: int) -> timeseries.Panel:
    return (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .fill_opacity(10)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .height(PANEL_HEIGHT)
        .span(width)
    )


def _threshold_lines(panel: timeseries.Panel, base: str, *steps: tuple[Decimal, str]) -> timeseries.Panel:
    return panel.thresholds(_thresholds(base, *steps)).thresholds_style(
        common_builders.GraphThresholdsStyleConfig().mode(common.GraphTresholdsStyleMode.DASHED)
    )


def _slo_row(spec: ServiceSpec, q: GoldenQueries) -> tuple[dash.Row, list[PanelBuilder]]:
    window = q.window
    objective_pct = number(q.availability_objective * 100)
    latency_ms = spec.slo.latency.threshold_ms
    latency_pct = number(q.latency_objective * 100)
    burn = _graph(
        f"Burn rate ({', '.join(w.window for w, _ in q.burn_rates)})",
        f"Error ratio divided by the error budget ({number(q.error_budget)}). 1 spends the {window} budget "
        f"exactly over the window; the dashed lines are the paging alerts' thresholds.",
        "none",
        9,
    )
    for i, (window_rule, expr) in enumerate(q.burn_rates):
        burn = burn.with_target(_query(expr, f"burn rate {window_rule.window}", _ref_id(i)))
    # The fast-burn page (first window) is the urgent one: red; the slow-burn page orange.
    steps = sorted(((w.threshold, ORANGE if i else RED) for i, (w, _) in enumerate(q.burn_rates)))
    return dash.Row(f"SLO — {window} window"), [
        _stat(
            f"Availability SLO ({window}) — objective {objective_pct}%",
            f"Share of non-5xx responses over the last {window}; green at or above the {objective_pct}% objective.",
            q.availability,
            "availability",
            q.availability_objective,
        ),
        gauge.Panel()
        .title(f"Error budget remaining ({window})")
        .description(
            f"1 - error ratio / (1 - objective) over the last {window}: 100% is untouched, 0% is spent, "
            f"below 0 the SLO is breached."
        )
        .datasource(DATASOURCE)
        .with_target(_query(q.error_budget_remaining, "error budget remaining", "A"))
        .unit("percentunit")
        .decimals(1)
        .min(0)
        .max(1)
        # Orange once three quarters of the budget is gone, red once it is all gone.
        .thresholds(_thresholds(RED, (Decimal(0), ORANGE), (Decimal("0.25"), GREEN)))
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]))
        .show_threshold_markers(True)
        .height(PANEL_HEIGHT)
        .span(5),
        _stat(
            f"Latency SLO compliance (≤ {latency_ms} ms, objective {latency_pct}%)",
            f"Share of requests answered within {latency_ms} ms (histogram bucket le={number(q.latency_threshold_seconds)}) "
            f"over the last {window}.",
            q.latency_compliance,
            "within threshold",
            q.latency_objective,
        ),
        _threshold_lines(burn, GREEN, *steps),
    ]


def _red_row(q: GoldenQueries) -> tuple[dash.Row, list[PanelBuilder]]:
    latency = _graph(
        "Latency p50 / p95 / p99",
        "histogram_quantile over http_request_duration_seconds; the dashed line is the latency SLO threshold.",
        "s",
        8,
    )
    for i, (label, expr) in enumerate(q.latency_quantiles):
        latency = latency.with_target(_query(expr, label, _ref_id(i)))
    return dash.Row("RED — rate, errors, duration"), [
        _graph("Request rate by route", "Requests per second, per Express route.", "reqps", 8).with_target(
            _query(q.request_rate_by_route, "{{route}}", "A")
        ),
        _threshold_lines(
            _graph(
                "Error rate (5xx ratio)",
                f"Share of 5xx responses; the dashed line is the error budget ({number(q.error_budget)}), "
                "where the burn rate is 1.",
                "percentunit",
                8,
            ).with_target(_query(q.error_ratio, "5xx ratio", "A")),
            GREEN,
            (q.error_budget, RED),
        ),
        _threshold_lines(latency, GREEN, (q.latency_threshold_seconds, RED)),
    ]


def _saturation_row(spec: ServiceSpec, q: GoldenQueries) -> tuple[dash.Row, list[PanelBuilder]]:
    limits = spec.resources.limits
    cpu_limit = quantity(limits.cpu, field=f"service '{spec.name}': resources.limits.cpu")
    memory_limit = quantity(limits.memory, field=f"service '{spec.name}': resources.limits.memory")
    return dash.Row("Saturation"), [
        _threshold_lines(
            _graph(
                "CPU (cores)", f"CPU seconds per second per pod; the dashed line is the {limits.cpu} limit.", "none", 8
            ).with_target(_query(q.cpu_cores, "{{instance}}", "A")),
            GREEN,
            (cpu_limit, RED),
        ),
        _threshold_lines(
            _graph(
                "Memory (resident)",
                f"Resident set size per pod; the dashed line is the {limits.memory} limit.",
                "bytes",
                8,
            ).with_target(_query(q.memory_bytes, "{{instance}}", "A")),
            GREEN,
            (memory_limit, RED),
        ),
        _graph("Event-loop lag p99", "prom-client's p99 event-loop delay per pod.", "s", 8).with_target(
            _query(q.event_loop_lag_p99, "{{instance}}", "A")
        ),
    ]


def build_dashboard(spec: ServiceSpec, docs_base_url: str = "") -> dict:
    """Grafana's dashboard model for the stanza, as plain JSON data (deterministic for a given stanza)."""
    q = golden_queries(spec)
    builder = (
        dash.Dashboard(f"{spec.name} — golden signals")
        .uid(dashboard_uid(spec.name))
        .description(spec.description or f"Golden signals of {spec.name}")
        .tags(["paved-road", f"owner:{spec.owner}", f"risk:{spec.risk}"])
        .readonly()
        .time("now-6h", "now")
        .refresh("1m")
        .timezone("utc")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_variable(dash.DatasourceVariable(DATASOURCE_VARIABLE).label("Prometheus").type("prometheus"))
        .link(
            dash.DashboardLink(f"Runbook: {spec.name}")
            .type(DashboardLinkType.LINK)
            .url(docs_url(docs_base_url, f"docs/runbooks/{spec.name}.md"))
            .icon("doc")
            .target_blank(True)
        )
        .link(
            dash.DashboardLink(f"SLO-001: {spec.name}")
            .type(DashboardLinkType.LINK)
            .url(docs_url(docs_base_url, f"docs/slo/SLO-001-{spec.name}.md"))
            .icon("doc")
            .target_blank(True)
        )
    )
    panel_id = 0
    for row, panels in (_slo_row(spec, q), _red_row(q), _saturation_row(spec, q)):
        # Ids follow layout order, so a panel keeps its id (and its links) while the layout holds.
        # The SDK lays panels out left to right after each row header; rows stay expanded, so their
        # panels belong at the top level (Grafana's model for an uncollapsed row).
        panel_id += 1
        builder = builder.with_row(row.id(panel_id))
        for panel in panels:
            panel_id += 1
            builder = builder.with_panel(panel.id(panel_id))
    return json.loads(json.dumps(builder.build(), cls=JSONEncoder))


def dashboard_json(spec: ServiceSpec, docs_base_url: str = "") -> str:
    """The dashboard as the text committed under dashboards/: sorted keys, two-space indent, final newline."""
    return json.dumps(build_dashboard(spec, docs_base_url), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_dashboard(spec: ServiceSpec, out_dir: Path, docs_base_url: str = "") -> Path:
    """Write <out_dir>/<name>.json atomically (a reader never sees half a dashboard)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Mode 0644: Grafana's provisioner may read it as another user.
    return atomic_write(out_dir / f"{spec.name}.json", dashboard_json(spec, docs_base_url))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate dashboards/<service>.json from the catalogue.")
    parser.add_argument("--catalog", default="services.yaml")
    parser.add_argument("--out", default="dashboards")
    parser.add_argument("--docs-base-url", default="", help="prefix of the runbook/SLO links; empty = relative")
    args = parser.parse_args(argv)
    for spec in load_catalog(args.catalog).services:
        print(write_dashboard(spec, Path(args.out), args.docs_base_url))


if __name__ == "__main__":
    main()
