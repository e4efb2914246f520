"""Draw a golden dashboard to a PNG from Prometheus data, without a Grafana server (for the evidence pack).

Each stat/gauge/timeseries panel's queries run against Prometheus' /api/v1/query_range; the panels
are laid out on the dashboard's own 24-column grid with matplotlib (Agg backend: no display needed).
We draw ourselves because no Grafana server is installable here and Grafana's image renderer needs one.
"""

from __future__ import annotations

import io
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib

# Agg draws to files and needs no display (CI has none); it must be chosen before pyplot loads.
matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MultipleLocator

from companyos.contracts.errors import UserError
from companyos.observability import prometheus_api
from companyos.observability.dashboard_queries import expand_grafana_variables
from companyos.support.files import atomic_write

DRAWN_TYPES = ("stat", "gauge", "timeseries")
QUERY_TIMEOUT_SECONDS = 15.0
# Prometheus refuses a range query of more than 11,000 points per series.
MAX_POINTS = 11_000
# Grafana's named colours, so the PNG reads like the dashboard.
PALETTE = {"green": "#56A64B", "orange": "#FF780A", "red": "#E02F44"}
SERIES_COLOURS = ("#1F60C4", "#8F3BB8", "#FA6400", "#37872D", "#C4162A", "#0A437C")
TEXT, MUTED, GRID, PANEL_EDGE = "#24292e", "#6a737d", "#e1e4e8", "#d0d7de"


@dataclass(frozen=True)
class Series:
    legend: str
    times: tuple[float, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class PanelRender:
    panel_id: int
    title: str
    type: str
    series: int
    points: int  # finite samples over all series


@dataclass(frozen=True)
class RenderReport:
    out: Path
    panels: tuple[PanelRender, ...]
    seconds: float
    width_px: int
    height_px: int

    def empty_panels(self) -> list[str]:
        return [p.title for p in self.panels if p.series == 0 or p.points == 0]


def _epoch(value: datetime | float) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise UserError(f"render: time {value.isoformat()} has no timezone; pass an aware datetime (UTC)")
        return value.timestamp()
    return float(value)


def _seconds(step: timedelta | float) -> float:
    return step.total_seconds() if isinstance(step, timedelta) else float(step)


def query_range(prometheus_url: str, expr: str, start: float, end: float, step: float) -> list[dict]:
    """The matrix result of one range query (Prometheus' JSON, unchanged)."""
    try:
        data = prometheus_api.query(
            prometheus_url,
            "/api/v1/query_range",
            {"query": expr, "start": start, "end": end, "step": step},
            timeout=QUERY_TIMEOUT_SECONDS,
            post=True,
        )
    except prometheus_api.PrometheusError as err:
        if err.kind == "unreachable":
            raise UserError(
                f"Prometheus at {prometheus_url} did not answer ({err.detail}); start it or pass the right URL"
            ) from err
        raise UserError(
            f"Prometheus at {prometheus_url} {'rejected' if err.kind == 'rejected' else 'gave no matrix for'}"
            f" the query {expr!r}: {err.detail}"
        ) from err
    if data.get("resultType") != "matrix":
        raise UserError(f"Prometheus at {prometheus_url} gave no matrix for {expr!r}: {data}")
    return data["result"]


def _legend(fmt: str, labels: dict[str, str]) -> str:
    if fmt:
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt)
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "value"


def panel_series(panel: dict, prometheus_url: str, start: float, end: float, step: float) -> list[Series]:
    found: list[Series] = []
    for target in panel.get("targets", []):
        expr = expand_grafana_variables(target["expr"], step_seconds=step)
        try:
            result = query_range(prometheus_url, expr, start, end, step)
        except UserError as err:
            raise UserError(f"panel '{panel['title']}' (id {panel['id']}): {err}", exit_code=err.exit_code) from err
        for item in result:
            samples = [(float(t), float(v)) for t, v in item.get("values", [])]
            found.append(
                Series(
                    legend=_legend(target.get("legendFormat", ""), item.get("metric", {})),
                    times=tuple(t for t, _ in samples),
                    values=tuple(v for _, v in samples),
                )
            )
    return found


def _formatter(unit: str, decimals: int | None = None):
    def fmt(value: float, _pos: object = None) -> str:
        if not math.isfinite(value):
            return str(value)
        if unit == "percentunit":
            return f"{value * 100:.{decimals if decimals is not None else 2}f}%"
        if unit == "bytes":
            return f"{value / 2**20:.0f} MiB"
        if unit == "s":
            return f"{value * 1000:.3g} ms" if abs(value) < 1 else f"{value:.3g} s"
        if unit == "reqps":
            return f"{value:.3g} req/s"
        return f"{value:.3g}"

    return fmt


def _thresholds(panel: dict) -> list[tuple[float, str]]:
    steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
    return [(s["value"], PALETTE.get(s["color"], s["color"])) for s in steps if s.get("value") is not None]


def _colour_for(value: float, panel: dict) -> str:
    steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
    colour = TEXT
    for step in steps:
        if step.get("value") is None or value >= step["value"]:
            colour = PALETTE.get(step["color"], step["color"])
    return colour


def _style_axes(ax, unit: str) -> None:
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_color(PANEL_EDGE)
    ax.tick_params(colors=MUTED, labelsize=7)
    ax.grid(True, color=GRID, linewidth=0.6)
    ax.yaxis.set_major_formatter(FuncFormatter(_formatter(unit)))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))


def _label_thresholds(ax, panel: dict, fmt) -> None:
    """Dashed line per threshold, its value written at the right end (Grafana shows it on hover)."""
    for value, colour in _thresholds(panel):
        ax.axhline(value, color=colour, linestyle="--", linewidth=1.0)
        ax.text(
            0.995,
            value,
            fmt(value),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=7,
            color=colour,
        )


def _draw_gauge(ax, panel: dict, value: float, fmt) -> None:
    """A horizontal bar gauge: threshold bands between min and max, the bar up to the value."""
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    low, high = defaults.get("min", 0), defaults.get("max", 1)
    ax.set_xlim(low, high)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    ax.grid(False)
    bands = [
        (low, PALETTE.get(s["color"], s["color"]))
        if s.get("value") is None
        else (s["value"], PALETTE.get(s["color"], s["color"]))
        for s in defaults.get("thresholds", {}).get("steps", [])
    ]
    for (begin, colour), (finish, _) in zip(bands, bands[1:] + [(high, None)], strict=True):
        ax.axvspan(max(begin, low), min(finish, high), ymin=0.08, ymax=0.14, color=colour, lw=0)
    ax.barh(0.32, min(max(value, low), high) - low, left=low, height=0.22, color=_colour_for(value, panel))
    ax.text(
        0.5,
        0.72,
        fmt(value),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=22,
        fontweight="bold",
        color=_colour_for(value, panel),
    )


def _binary_step(span_bytes: float) -> float:
    """A tick step of 2^n MiB giving at most six ticks, so memory reads 64 MiB, 128 MiB, ..."""
    step = 2**20
    while span_bytes / step > 6:
        step *= 2
    return float(step)


def _draw_panel(ax, panel: dict, series: list[Series]) -> None:
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    unit = defaults.get("unit", "none")
    decimals = defaults.get("decimals")
    ax.set_title(panel["title"], loc="left", fontsize=9, color=TEXT, fontweight="bold")
    drawn = [s for s in series if any(math.isfinite(v) for v in s.values)]
    if not drawn:
        # Grafana's wording; the report counts the panel as empty for the evidence check.
        ax.text(0.5, 0.5, "No data", transform=ax.transAxes, ha="center", va="center", color=MUTED, fontsize=12)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(PANEL_EDGE)
        return
    _style_axes(ax, unit)
    if panel["type"] == "gauge":
        last = next(v for v in reversed(drawn[0].values) if math.isfinite(v))
        _draw_gauge(ax, panel, last, _formatter(unit, int(decimals) if decimals is not None else None))
        return
    for index, s in enumerate(drawn):
        when = [datetime.fromtimestamp(t, tz=UTC) for t in s.times]
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        ax.plot(when, s.values, color=colour, linewidth=1.2, label=s.legend)
        if panel["type"] == "stat":
            ax.fill_between(when, s.values, min(v for v in s.values if math.isfinite(v)), color=colour, alpha=0.1)
    _label_thresholds(ax, panel, _formatter(unit))
    if panel["type"] == "timeseries":
        ax.legend(loc="upper left", fontsize=7, frameon=False, ncols=min(len(drawn), 3))
        ax.margins(y=0.25)  # room for the legend above the lines
        finite = [v for s in drawn for v in s.values if math.isfinite(v)] + [v for v, _ in _thresholds(panel)]
        if min(finite) >= 0 and ax.get_ylim()[0] < 0:
            ax.set_ylim(bottom=0)  # rates, ratios and sizes: an axis below zero only wastes room
        if unit == "bytes":
            ax.yaxis.set_major_locator(MultipleLocator(_binary_step(max(finite) - min(0.0, min(finite)))))
        return
    # stat: the last value large, coloured by the thresholds, over a sparkline in the lower third.
    last = next(v for v in reversed(drawn[0].values) if math.isfinite(v))
    finite = [v for s in drawn for v in s.values if math.isfinite(v)] + [v for v, _ in _thresholds(panel)]
    low, high = min(finite), max(finite)
    span = (high - low) or abs(high) or 1.0
    ax.set_ylim(low - 0.15 * span, high + 2.2 * span)
    ax.set_yticks([])
    ax.text(
        0.5,
        0.72,
        _formatter(unit, int(decimals) if decimals is not None else None)(last),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=22,
        fontweight="bold",
        color=_colour_for(last, panel),
    )


def _atomic_savefig(fig, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=fig.get_facecolor())
    atomic_write(out, buffer.getvalue())  # 0644: the evidence pack is read by others


def render_dashboard_png(
    dashboard: dict,
    prometheus_url: str,
    out: Path,
    start: datetime | float,
    end: datetime | float,
    step: timedelta | float,
) -> RenderReport:
    """Query every stat/gauge/timeseries panel over [start, end] and draw the dashboard grid to `out`."""
    began = time.monotonic()
    t0, t1, dt = _epoch(start), _epoch(end), _seconds(step)
    if t1 <= t0 or dt <= 0:
        raise UserError(f"render: need start < end and step > 0 (got start={t0}, end={t1}, step={dt})")
    if (t1 - t0) / dt > MAX_POINTS:
        raise UserError(
            f"render: {int((t1 - t0) / dt)} points per series exceed Prometheus' {MAX_POINTS}; raise the step"
        )
    panels = dashboard.get("panels", [])
    grid_rows = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels), default=1)
    height_in = 0.42 * grid_rows + 0.7  # 0.42 inch per grid unit, 0.7 inch for the heading
    fig = plt.figure(figsize=(20, height_in), dpi=100, facecolor="#f6f8fa")
    fig.suptitle(
        f"{dashboard.get('title', '')}    {datetime.fromtimestamp(t0, tz=UTC):%Y-%m-%d %H:%M} – "
        f"{datetime.fromtimestamp(t1, tz=UTC):%Y-%m-%d %H:%M} UTC, step {dt:g}s",
        x=0.01,
        y=1 - 0.15 / height_in,
        ha="left",
        va="top",
        fontsize=13,
        color=TEXT,
        fontweight="bold",
    )
    grid = fig.add_gridspec(
        grid_rows, 24, left=0.035, right=0.99, top=1 - 0.6 / height_in, bottom=0.03, hspace=0.0, wspace=1.6
    )
    rendered: list[PanelRender] = []
    try:
        for panel in panels:
            pos = panel["gridPos"]
            if panel["type"] == "row":
                ax = fig.add_subplot(grid[pos["y"], :])
                ax.axis("off")
                ax.text(0, 0.2, panel["title"], fontsize=11, fontweight="bold", color=TEXT, transform=ax.transAxes)
                continue
            if panel["type"] not in DRAWN_TYPES:
                continue
            series = panel_series(panel, prometheus_url, t0, t1, dt)
            # One grid unit at the top of each panel stays free for its title and the row above.
            ax = fig.add_subplot(grid[pos["y"] + 1 : pos["y"] + pos["h"] - 1, pos["x"] : pos["x"] + pos["w"]])
            _draw_panel(ax, panel, series)
            rendered.append(
                PanelRender(
                    panel_id=panel["id"],
                    title=panel["title"],
                    type=panel["type"],
                    series=len(series),
                    points=sum(1 for s in series for v in s.values if math.isfinite(v)),
                )
            )
        width, height = (int(v) for v in fig.get_size_inches() * fig.dpi)
        _atomic_savefig(fig, Path(out))
    finally:
        plt.close(fig)
    return RenderReport(
        out=Path(out), panels=tuple(rendered), seconds=time.monotonic() - began, width_px=width, height_px=height
    )
