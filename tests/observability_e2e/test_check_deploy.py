"""check-deploy's rules without servers: thresholds from the SLO and burn-rate data, verdict precedence, bad input."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from companyos.catalog import load_catalog
from companyos.observability.check_deploy import CheckResult, DeployReport, ProbeResult, queries, slo_thresholds
from companyos.observability.windows import load_windows

from .conftest import CATALOG, SERVICE, run_cli


@pytest.fixture(scope="module")
def spec():
    return load_catalog(CATALOG).service(SERVICE)


@pytest.mark.parametrize("window_days", [30, 28, 7])
def test_the_error_ratio_threshold_is_the_error_budget_times_the_fastest_page_burn_rate(spec, window_days) -> None:
    stanza = dataclasses.replace(spec, slo=dataclasses.replace(spec.slo, window_days=window_days))
    page = max(w.burn_rate for w in load_windows(window_days).by_severity("page"))
    slo = slo_thresholds(stanza)
    assert slo.page_burn_rate == float(page)
    assert slo.error_ratio_threshold == pytest.approx(float((1 - Decimal("0.999")) * page))
    assert (slo.latency_objective, slo.latency_threshold_ms) == (0.99, 300)


def test_the_queries_select_the_catalogue_job_and_count_no_5xx_as_zero_errors(spec) -> None:
    exprs = queries(spec, "5m")
    assert all(f'job="{SERVICE}"' in e for e in exprs.values())
    assert exprs["error-ratio"].startswith(
        '(sum(rate(http_requests_total{job="hello-prod",status_code=~"5.."}[5m])) or vector(0))'
    )
    assert exprs["latency"].startswith("histogram_quantile(0.99, ")


def report_with(probe_statuses: list[str], check_statuses: list[str], spec) -> DeployReport:
    report = DeployReport(service=SERVICE, url="u", prometheus="p", window="5m", slo=slo_thresholds(spec))
    report.probes = [ProbeResult("GET", f"/{i}", 200, s, {}, None, None) for i, s in enumerate(probe_statuses)]
    report.checks = [CheckResult(f"c{i}", s, None, None, "", "") for i, s in enumerate(check_statuses)]
    return report


@pytest.mark.parametrize(
    ("probes", "checks", "verdict", "code"),
    [
        (["pass"] * 4, ["pass"] * 4, "healthy", 0),
        (["pass"] * 4, ["pass", "pass", "fail", "pass"], "unhealthy", 1),
        (["pass", "fail", "pass", "pass"], ["pass"] * 4, "unhealthy", 1),
        (["pass"] * 4, ["pass", "no-data", "no-data", "no-data"], "could-not-check", 2),
        (["pass"] * 4, ["error"] * 4, "could-not-check", 2),
        (["error"] * 4, ["pass"] * 4, "could-not-check", 2),
        # Evidence of harm outweighs a blind spot: a failing probe with Prometheus down is unhealthy.
        (["fail", "pass", "pass", "pass"], ["error"] * 4, "unhealthy", 1),
    ],
)
def test_the_verdict_is_unhealthy_on_any_failure_and_never_healthy_without_data(
    spec, probes, checks, verdict, code
) -> None:
    report = report_with(probes, checks, spec)
    assert (report.verdict, report.exit_code) == (verdict, code)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "5 minutes"], "--window '5 minutes': not a duration"),
        (["--probe-count", "0"], "--probe-count 0: must be at least 1"),
        (["--url", "127.0.0.1:8080"], "--url '127.0.0.1:8080': not an http(s) URL"),
        (
            ["--json", "/nonexistent-dir/r.json"],
            "--json /nonexistent-dir/r.json: folder /nonexistent-dir does not exist",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_flag(args: list[str], message: str, tmp_path: Path) -> None:
    base = {"--url": "http://127.0.0.1:1", "--prometheus": "http://127.0.0.1:1"}
    argv = ["check-deploy", "--service", SERVICE, "--catalog", str(CATALOG), *args]
    argv += [f for flag, value in base.items() if flag not in args for f in (flag, value)]
    result = run_cli(*argv)
    assert result.exit_code == 2 and message in result.output, result.output
