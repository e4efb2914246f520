"""The two SLIs of a paved-road service, as PromQL over the template's HTTP metrics.

Selector: Prometheus adds `job` at scrape time and the paved road's ServiceMonitor / compose scrape
config sets job = the catalogue name, so `job="<name>"` selects every replica of one service and
nothing else. Routes, methods and instances are summed away: the SLO is the service's, not a route's.

Metrics (the node-express template, prom-client):
  http_requests_total{route,method,status_code}              counter
  http_request_duration_seconds_bucket{route,method,status_code,le}  histogram
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from companyos.catalog import TEMPLATE_LATENCY_BUCKETS_MS, ServiceSpec
from companyos.contracts.errors import UserError

REQUESTS_METRIC = "http_requests_total"
DURATION_METRIC = "http_request_duration_seconds"
SERVER_ERRORS = '"5.."'  # availability errors: 5xx; a 4xx is the client's fault and spends no budget


def le_label(threshold_ms: int) -> str:
    """The `le` value prom-client exposes for a bucket of `threshold_ms` milliseconds.

    prom-client renders bucket bounds as JavaScript numbers: shortest form, no trailing ".0"
    (observed with prom-client 15.1.3: 0.005 ... 0.3 ... 1 2.5 5 10). Decimal keeps 0.3 exact.
    """
    seconds = (Decimal(threshold_ms) / Decimal(1000)).normalize()
    return format(seconds, "f")


def fraction(percent: float) -> Decimal:
    """99.9 -> 0.999, exactly (binary floats would print 0.9990000000000001)."""
    return (Decimal(str(percent)) / Decimal(100)).normalize()


@dataclass(frozen=True)
class Sli:
    key: str  # "availability" | "latency"
    service: str
    objective_percent: Decimal
    title: str
    good_means: str
    errors_selector: str  # bad events (a counter selector), or "" when bad = total - good
    good_selector: str  # good events, or "" when the SLI counts bad events directly
    total_selector: str

    @property
    def slo(self) -> str:
        return f"{self.service}-{self.key}"

    @property
    def objective(self) -> Decimal:
        return (self.objective_percent / Decimal(100)).normalize()

    @property
    def error_budget(self) -> Decimal:
        """Allowed error ratio, 1 - objective (0.001 for 99.9%)."""
        return (Decimal(1) - self.objective).normalize()

    def errors_increase(self, window: str) -> str:
        total = f"sum(increase({self.total_selector}[{window}]))"
        if self.errors_selector:
            # No 5xx series exists until the first 5xx: count zero errors rather than no data.
            return f"sum(increase({self.errors_selector}[{window}])) or vector(0)"
        # increase() extrapolates _count and _bucket separately; clamp the tiny negative differences.
        return f"clamp_min({total} - sum(increase({self.good_selector}[{window}])), 0)"

    def requests_increase(self, window: str) -> str:
        return f"sum(increase({self.total_selector}[{window}]))"


def _selector(metric: str, job: str, *matchers: str) -> str:
    return metric + "{" + ",".join((f'job="{job}"', *matchers)) + "}"


def latency_threshold_check(spec: ServiceSpec) -> tuple[int, ...]:
    """The template's buckets; refuses a threshold the histogram cannot measure."""
    buckets = TEMPLATE_LATENCY_BUCKETS_MS.get(spec.template)
    if buckets is None:
        known = ", ".join(sorted(TEMPLATE_LATENCY_BUCKETS_MS))
        raise UserError(
            f"service '{spec.name}', field 'template': {spec.template!r} has no known latency histogram "
            f"(allowed: {known}). Fix: use a paved-road template."
        )
    threshold = spec.slo.latency.threshold_ms
    if threshold not in buckets:
        nearest = min(buckets, key=lambda b: abs(b - threshold))
        raise UserError(
            f"service '{spec.name}', field 'slo.latency.threshold_ms': {threshold} ms is not a histogram bucket of the "
            f"{spec.template} template, so the latency SLI cannot be measured. "
            f"Allowed: {', '.join(str(b) for b in buckets)}. Fix: use a bucket boundary, e.g. {nearest}."
        )
    return buckets


def service_slis(spec: ServiceSpec) -> tuple[Sli, Sli]:
    latency_threshold_check(spec)
    job = spec.name
    threshold = spec.slo.latency.threshold_ms
    availability = Sli(
        key="availability",
        service=spec.name,
        objective_percent=Decimal(str(spec.slo.availability)),
        title="Availability",
        good_means="the response is not a 5xx",
        errors_selector=_selector(REQUESTS_METRIC, job, f"status_code=~{SERVER_ERRORS}"),
        good_selector="",
        total_selector=_selector(REQUESTS_METRIC, job),
    )
    latency = Sli(
        key="latency",
        service=spec.name,
        objective_percent=Decimal(str(spec.slo.latency.objective)),
        title="Latency",
        good_means=f"the response is served within {threshold} ms",
        errors_selector="",
        good_selector=_selector(f"{DURATION_METRIC}_bucket", job, f'le="{le_label(threshold)}"'),
        total_selector=_selector(f"{DURATION_METRIC}_count", job),
    )
    return availability, latency
