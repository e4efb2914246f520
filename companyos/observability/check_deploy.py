"""Is a freshly deployed service healthy? Synthetic probes plus PromQL checks against its SLO.

Verdicts (and the CLI's exit codes):
  healthy (0)          every probe answered as expected and every PromQL check passed;
  unhealthy (1)        a probe got a wrong status, or a check found the SLO being burnt at paging speed;
  could-not-check (2)  the service or Prometheus did not answer, or Prometheus holds no data for the
                       service (no data is never "healthy").

The PromQL checks, over the last `window` (default 5m, the fast page alert's short window):
  metrics-present  a scrape target with job="<service>" is up;
  traffic          requests were counted in the window (0 requests leaves the ratios undefined);
  error-ratio      5xx / all requests must not exceed error budget x page burn rate, e.g.
                   (1 - 0.999) x 14.4 = 1.44% for a 99.9% SLO over 30 days: the same condition the
                   fast page alert checks on its short window (burn rates from burn_rate_windows.yaml);
  latency          the p<objective> latency (p99 for a 99% objective) must not exceed the SLO
                   threshold, i.e. at least <objective> of the window's requests were fast enough.
"""

from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from statistics import median

from companyos.catalog import ServiceSpec
from companyos.contracts.errors import UserError
from companyos.observability import prometheus_api
from companyos.observability.slis import (
    DURATION_METRIC,
    REQUESTS_METRIC,
    SERVER_ERRORS,
    fraction,
)
from companyos.observability.windows import load_windows

SCHEMA = "paved-road.check-deploy/v1"
EXIT_CODES = {"healthy": 0, "unhealthy": 1, "could-not-check": 2}
HTTP_TIMEOUT_S = 5.0
_WINDOW = re.compile(r"^[1-9][0-9]*[smh]$")


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: bytes | None = None
    expect: int = 200


# The template's probes and its two key routes (hello-world GET and a JSON POST).
PROBES = (
    Probe("GET", "/healthz"),
    Probe("GET", "/readyz"),
    Probe("GET", "/hello"),
    Probe("POST", "/echo", json.dumps({"message": "check-deploy"}).encode()),
)


@dataclass
class ProbeResult:
    method: str
    path: str
    expect: int
    status: str  # pass | fail | error
    statuses: dict[str, int]  # HTTP status (or "error") -> count
    latency_ms_p50: float | None
    latency_ms_max: float | None
    detail: str = ""


@dataclass
class CheckResult:
    name: str
    status: str  # pass | fail | no-data | error
    value: float | None
    threshold: float | None
    query: str
    detail: str


@dataclass
class SloThresholds:
    availability_objective: float
    error_budget: float
    page_burn_rate: float
    error_ratio_threshold: float
    latency_objective: float
    latency_threshold_ms: int


@dataclass
class DeployReport:
    service: str
    url: str
    prometheus: str
    window: str
    slo: SloThresholds
    probes: list[ProbeResult] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    checked_at: str = ""
    duration_seconds: float = 0.0

    @property
    def verdict(self) -> str:
        statuses = [p.status for p in self.probes] + [c.status for c in self.checks]
        if "fail" in statuses:
            return "unhealthy"
        if "error" in statuses or "no-data" in statuses:
            return "could-not-check"
        return "healthy"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_json(self) -> str:
        return (
            json.dumps(
                {"schema": SCHEMA, "verdict": self.verdict, "exit_code": self.exit_code, **asdict(self)}, indent=2
            )
            + "\n"
        )


def slo_thresholds(spec: ServiceSpec) -> SloThresholds:
    budget = 1 - fraction(spec.slo.availability)
    page_rate = max(w.burn_rate for w in load_windows(spec.slo.window_days).by_severity("page"))
    return SloThresholds(
        availability_objective=float(fraction(spec.slo.availability)),
        error_budget=float(budget),
        page_burn_rate=float(page_rate),
        error_ratio_threshold=float(budget * page_rate),
        latency_objective=float(fraction(spec.slo.latency.objective)),
        latency_threshold_ms=spec.slo.latency.threshold_ms,
    )


def _request(url: str, probe: Probe) -> tuple[int | None, float, str]:
    headers = {"Content-Type": "application/json"} if probe.body is not None else {}
    request = urllib.request.Request(url + probe.path, data=probe.body, method=probe.method, headers=headers)
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            response.read()
            return response.status, (time.perf_counter() - began) * 1000, ""
    except urllib.error.HTTPError as err:
        err.read()
        return err.code, (time.perf_counter() - began) * 1000, ""
    except (urllib.error.URLError, OSError) as err:
        return None, (time.perf_counter() - began) * 1000, str(getattr(err, "reason", err))


def run_probe(url: str, probe: Probe, count: int) -> ProbeResult:
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    for _ in range(count):
        status, millis, error = _request(url, probe)
        statuses[str(status) if status is not None else "error"] += 1
        if status is None:
            errors.append(error)
        else:
            latencies.append(millis)
    if errors:
        outcome, detail = "error", f"no HTTP answer: {errors[0]}"
    elif set(statuses) != {str(probe.expect)}:
        outcome, detail = "fail", f"expected {probe.expect} every time"
    else:
        outcome, detail = "pass", ""
    return ProbeResult(
        method=probe.method,
        path=probe.path,
        expect=probe.expect,
        status=outcome,
        statuses=dict(statuses),
        latency_ms_p50=round(median(latencies), 2) if latencies else None,
        latency_ms_max=round(max(latencies), 2) if latencies else None,
        detail=detail,
    )


class PrometheusUnreachable(Exception):
    pass


def instant_query(prometheus_url: str, query: str) -> float | None:
    """The first sample's value of an instant query; None when the result is empty or NaN."""
    try:
        data = prometheus_api.query(prometheus_url, "/api/v1/query", {"query": query}, timeout=HTTP_TIMEOUT_S)
    except prometheus_api.PrometheusError as err:
        message = {
            "rejected": f"Prometheus rejected {query!r}: {err.detail}",
            "unreachable": f"no answer from {prometheus_url} ({err.detail})",
        }.get(err.kind, f"Prometheus failed {query!r}: {err.detail}")
        raise PrometheusUnreachable(message) from err
    result = data.get("result", [])
    if not result:
        return None
    value = float(result[0]["value"][1])
    return None if math.isnan(value) else value


def queries(spec: ServiceSpec, window: str) -> dict[str, str]:
    sel = f'job="{spec.name}"'
    quantile = fraction(spec.slo.latency.objective)
    return {
        "metrics-present": f"count(up{{{sel}}} == 1)",
        "traffic": f"sum(increase({REQUESTS_METRIC}{{{sel}}}[{window}]))",
        # No 5xx series exists before the first 5xx: count that as zero errors, not as no data.
        "error-ratio": (
            f"(sum(rate({REQUESTS_METRIC}{{{sel},status_code=~{SERVER_ERRORS}}}[{window}])) or vector(0))"
            f" / sum(rate({REQUESTS_METRIC}{{{sel}}}[{window}]))"
        ),
        "latency": (f"histogram_quantile({quantile}, sum by (le) (rate({DURATION_METRIC}_bucket{{{sel}}}[{window}])))"),
    }


def run_checks(spec: ServiceSpec, prometheus_url: str, window: str, slo: SloThresholds) -> list[CheckResult]:
    exprs = queries(spec, window)
    quantile = f"p{format(Decimal(str(spec.slo.latency.objective)).normalize(), 'f')}"
    results: list[CheckResult] = []
    for name, expr in exprs.items():
        try:
            value = instant_query(prometheus_url, expr)
        except PrometheusUnreachable as err:
            results.append(CheckResult(name, "error", None, None, expr, str(err)))
            continue
        if name == "metrics-present":
            if value is not None and value >= 1:
                results.append(CheckResult(name, "pass", value, 1, expr, f"{value:.0f} target(s) up"))
            else:
                results.append(
                    CheckResult(
                        name, "no-data", value, 1, expr, f'no scrape target with job="{spec.name}" is up in Prometheus'
                    )
                )
        elif name == "traffic":
            ok = value is not None and value > 0
            results.append(
                CheckResult(
                    name,
                    "pass" if ok else "no-data",
                    value,
                    None,
                    expr,
                    f"{value:.0f} requests in {window}"
                    if ok
                    else f"no requests counted in the last {window}; send traffic or widen --window",
                )
            )
        elif name == "error-ratio":
            threshold = slo.error_ratio_threshold
            if value is None:
                results.append(CheckResult(name, "no-data", None, threshold, expr, f"no requests in {window}"))
            else:
                results.append(
                    CheckResult(
                        name,
                        "fail" if value > threshold else "pass",
                        value,
                        threshold,
                        expr,
                        f"5xx ratio {value:.4%} = burn rate {value / slo.error_budget:.1f}x; pages above "
                        f"{slo.page_burn_rate:g}x ({threshold:.4%})",
                    )
                )
        else:
            threshold = slo.latency_threshold_ms / 1000
            if value is None:
                results.append(CheckResult(name, "no-data", None, threshold, expr, f"no requests in {window}"))
            else:
                results.append(
                    CheckResult(
                        name,
                        "fail" if value > threshold else "pass",
                        value,
                        threshold,
                        expr,
                        f"{quantile} {value * 1000:.1f} ms vs SLO {slo.latency_threshold_ms} ms",
                    )
                )
    return results


def check_deploy(
    spec: ServiceSpec, url: str, prometheus_url: str, *, window: str = "5m", probe_count: int = 5
) -> DeployReport:
    if not _WINDOW.match(window):
        raise UserError(f"--window {window!r}: not a duration like 5m, 30s or 1h. Fix: pass e.g. 5m.")
    if probe_count < 1:
        raise UserError(f"--probe-count {probe_count}: must be at least 1.")
    for flag, value in (("--url", url), ("--prometheus", prometheus_url)):
        if urllib.parse.urlsplit(value).scheme not in ("http", "https"):
            raise UserError(f"{flag} {value!r}: not an http(s) URL. Fix: pass e.g. http://127.0.0.1:8080.")
    began = time.monotonic()
    slo = slo_thresholds(spec)
    report = DeployReport(
        service=spec.name,
        url=url.rstrip("/"),
        prometheus=prometheus_url.rstrip("/"),
        window=window,
        slo=slo,
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    report.probes = [run_probe(report.url, probe, probe_count) for probe in PROBES]
    report.checks = run_checks(spec, report.prometheus, window, slo)
    report.duration_seconds = round(time.monotonic() - began, 3)
    return report
