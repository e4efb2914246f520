"""PromQL for a service's golden signals, written against the metrics the node-express template exports.

The template exports (prom-client 15.1.3 names, checked in its lib/metrics/*.js):
- counter   http_requests_total{method,route,status_code}
- histogram http_request_duration_seconds_bucket{le,method,route,status_code}
- defaults  process_cpu_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_p99_seconds
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from companyos.catalog import TEMPLATE_LATENCY_BUCKETS_MS, ServiceSpec
from companyos.contracts.errors import UserError
from companyos.contracts.quantity import quantity as parse_quantity
from companyos.observability.windows import load_windows

REQUESTS = "http_requests_total"
DURATION_BUCKET = "http_request_duration_seconds_bucket"
CPU = "process_cpu_seconds_total"
MEMORY = "process_resident_memory_bytes"
EVENT_LOOP_LAG_P99 = "nodejs_eventloop_lag_p99_seconds"

# Grafana's own range variable: it widens the rate window with the panel's step, so a 30-day view
# is not a sampling of 5-minute rates. Grafana substitutes it before the query reaches Prometheus;
# `expand_grafana_variables` does the same for the renderer and the parser tests.
RATE_INTERVAL = "$__rate_interval"

# The burn-rate alert windows are facts kept as data next to this module (shared with the alert
# rules, so the dashboard's threshold lines sit exactly where the pages fire). The dashboard draws
# the two paging windows: 14.4 over 1h and 6 over 6h for a 30-day SLO.

# Grafana computes $__rate_interval as max($__interval + scrape interval, 4 * scrape interval), with
# the data source's "scrape interval" setting, 15s unless configured (the renderer's $__interval is the step).
SCRAPE_INTERVAL_SECONDS = 15


def number(value: Decimal) -> str:
    """A decimal as PromQL / JSON text without float noise or exponent ("0.001", "14.4", "10")."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class BurnRateWindow:
    window: str
    threshold: Decimal


@dataclass(frozen=True)
class GoldenQueries:
    """Every expression the golden dashboard draws, with the numbers its thresholds sit at."""

    availability_objective: Decimal  # ratio, e.g. 0.999
    error_budget: Decimal  # 1 - objective, e.g. 0.001
    latency_threshold_seconds: Decimal
    latency_objective: Decimal  # ratio, e.g. 0.99
    window: str  # PromQL duration of the SLO window, e.g. "30d"
    availability: str
    error_budget_remaining: str
    burn_rates: tuple[tuple[BurnRateWindow, str], ...]
    latency_compliance: str
    request_rate_by_route: str
    error_ratio: str
    latency_quantiles: tuple[tuple[str, str], ...]  # (label "p50", expr)
    cpu_cores: str
    memory_bytes: str
    event_loop_lag_p99: str


def _le_matcher(seconds: Decimal) -> str:
    # prom-client writes `le` with JavaScript's number formatting ("0.3", "1"); Prometheus 3 rewrites
    # whole numbers to "1.0" on ingestion. Only whole-second thresholds differ, so only they need a regex.
    text = number(seconds)
    if "." in text:
        return f'le="{text}"'
    return f'le=~"{text}|{text}.0"'


def _hours(duration: str) -> int:
    unit = {"h": 1, "d": 24}[duration[-1]]
    return int(duration[:-1]) * unit


def paging_windows(spec: ServiceSpec) -> list[tuple[str, Decimal]]:
    """(long window, budget percent) of the paging burn-rate alerts for the stanza's SLO window."""
    # The same loader as the alert rules, so the dashboard's threshold lines and the alerts cannot drift.
    return [(w.long, w.budget_percent) for w in load_windows(spec.slo.window_days).by_severity("page")]


def golden_queries(spec: ServiceSpec) -> GoldenQueries:
    buckets = TEMPLATE_LATENCY_BUCKETS_MS.get(spec.template)
    if buckets is None:
        known = ", ".join(sorted(TEMPLATE_LATENCY_BUCKETS_MS))
        raise UserError(
            f"services.yaml: service '{spec.name}': template '{spec.template}' has no known metrics, so no "
            f"golden dashboard can be built; use one of: {known}"
        )
    threshold_ms = spec.slo.latency.threshold_ms
    if threshold_ms not in buckets:
        raise UserError(
            f"services.yaml: service '{spec.name}': slo.latency.threshold_ms {threshold_ms} is not a histogram "
            f"bucket of template '{spec.template}'; pick one of {', '.join(map(str, buckets))}"
        )

    sel = f'job="{spec.name}"'
    errors = f'{sel},status_code=~"5.."'
    objective = Decimal(str(spec.slo.availability)) / 100
    budget = 1 - objective
    window = f"{spec.slo.window_days}d"
    window_hours = spec.slo.window_days * 24
    latency_seconds = Decimal(threshold_ms) / 1000

    # A service that never answered 5xx has no 5xx series at all: `or vector(0)` makes its error count
    # zero instead of "no data", while no traffic at all still shows no data (empty denominator).
    def ratio_over(rng: str) -> str:
        return f"(sum(rate({REQUESTS}{{{errors}}}[{rng}])) or vector(0)) / sum(rate({REQUESTS}{{{sel}}}[{rng}]))"

    window_error_ratio = (
        f"(sum(increase({REQUESTS}{{{errors}}}[{window}])) or vector(0)) / sum(increase({REQUESTS}{{{sel}}}[{window}]))"
    )
    burn_rates = tuple(
        (BurnRateWindow(long, percent / 100 * window_hours / _hours(long)), f"({ratio_over(long)}) / {number(budget)}")
        for long, percent in paging_windows(spec)
    )
    bucket_rate = f"sum by (le) (rate({DURATION_BUCKET}{{{sel}}}[{RATE_INTERVAL}]))"
    return GoldenQueries(
        availability_objective=objective,
        error_budget=budget,
        latency_threshold_seconds=latency_seconds,
        latency_objective=Decimal(str(spec.slo.latency.objective)) / 100,
        window=window,
        availability=f"1 - ({window_error_ratio})",
        error_budget_remaining=f"1 - ({window_error_ratio}) / {number(budget)}",
        burn_rates=burn_rates,
        latency_compliance=(
            f"sum(increase({DURATION_BUCKET}{{{sel},{_le_matcher(latency_seconds)}}}[{window}])) / "
            f'sum(increase({DURATION_BUCKET}{{{sel},le="+Inf"}}[{window}]))'
        ),
        request_rate_by_route=f"sum by (route) (rate({REQUESTS}{{{sel}}}[{RATE_INTERVAL}]))",
        error_ratio=ratio_over(RATE_INTERVAL),
        latency_quantiles=tuple(
            (label, f"histogram_quantile({q}, {bucket_rate})")
            for label, q in (("p50", "0.5"), ("p95", "0.95"), ("p99", "0.99"))
        ),
        cpu_cores=f"sum by (instance) (rate({CPU}{{{sel}}}[{RATE_INTERVAL}]))",
        memory_bytes=f"sum by (instance) ({MEMORY}{{{sel}}})",
        event_loop_lag_p99=f"max by (instance) ({EVENT_LOOP_LAG_P99}{{{sel}}})",
    )


def quantity(text: str, *, field: str) -> Decimal:
    """A Kubernetes quantity ("500m", "256Mi") as a plain number, read by the one parser the catalogue and the
    policy pack use."""
    value = parse_quantity(text)
    if value is None:
        raise UserError(f"services.yaml: {field} '{text}' is not a quantity like 500m or 256Mi; fix the value")
    return value


def rate_interval_seconds(step_seconds: float) -> int:
    return int(max(step_seconds + SCRAPE_INTERVAL_SECONDS, 4 * SCRAPE_INTERVAL_SECONDS))


def expand_grafana_variables(expr: str, *, step_seconds: float) -> str:
    """The expression as Grafana sends it to Prometheus for a query at this step."""
    return expr.replace(RATE_INTERVAL, f"{rate_interval_seconds(step_seconds)}s")
