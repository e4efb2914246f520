"""Prometheus recording and alerting rules for a service's SLOs (multiwindow, multi-burn-rate).

The design follows sloth (github.com/slok/sloth): SLI error ratios recorded over every alert
window, one page and one ticket alert per SLI (each an OR of two long-AND-short window pairs), and
a period error-budget-remaining rule for dashboards. Added: a low-traffic guard, so a single error
among a handful of requests does not page (no generator ships one; pyrra-dev/pyrra#1925 asks for it).

`generate_rules(spec)` returns the rule-file document; its "groups" fill a PrometheusRule's spec.groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from companyos.catalog import ServiceSpec
from companyos.contracts.errors import UserError
from companyos.observability.slis import Sli, service_slis
from companyos.observability.windows import BurnWindow, WindowSet, load_windows

# Requests a long window must hold before its burn rate may alert: at 99.9% and the 14.4x page
# threshold (1.44% errors), 100 requests need 2 errors in an hour to page, never a single one.
DEFAULT_MIN_REQUESTS = 100


def errors_record(window: str) -> str:
    return f"slo:sli_errors:increase{window}"


def requests_record(window: str) -> str:
    return f"slo:sli_requests:increase{window}"


def ratio_record(window: str) -> str:
    return f"slo:sli_error:ratio_rate{window}"


OBJECTIVE_RECORD = "slo:objective:ratio"
BUDGET_REMAINING_RECORD = "slo:period_error_budget_remaining:ratio"


def alert_name(sli: Sli, severity: str) -> str:
    return f"SLO{sli.title}BudgetBurn{severity.capitalize()}"


def runbook_anchor(alert: str) -> str:
    """GitHub's anchor for a runbook heading that is the alert name (`## SLOLatencyBudgetBurnPage`)."""
    return alert.lower()


def runbook_url(service: str, alert: str, docs_base_url: str = "") -> str:
    """The runbook section of the alert: absolute under the docs' base URL, else repository-relative."""
    path = f"docs/runbooks/{service}.md#{runbook_anchor(alert)}"
    return f"{docs_base_url.rstrip('/')}/{path}" if docs_base_url else path


def dashboard_path(service: str) -> str:
    return f"dashboards/{service}.json"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _matchers(sli: Sli) -> str:
    return f'{{service="{sli.service}",slo="{sli.slo}"}}'


def _labels(sli: Sli) -> dict[str, str]:
    return {"service": sli.service, "slo": sli.slo}


def _sli_recordings(sli: Sli, windows: WindowSet) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    sel = _matchers(sli)
    for window in windows.rate_windows():
        rules += [
            {"record": errors_record(window), "expr": sli.errors_increase(window), "labels": _labels(sli)},
            {"record": requests_record(window), "expr": sli.requests_increase(window), "labels": _labels(sli)},
            # Same group, evaluated in order: the ratio reads this cycle's two counts.
            {
                "record": ratio_record(window),
                "expr": f"{errors_record(window)}{sel} / {requests_record(window)}{sel}",
                "labels": _labels(sli),
            },
        ]
    return rules


def _meta_recordings(sli: Sli, windows: WindowSet) -> list[dict[str, Any]]:
    sel = _matchers(sli)
    base = windows.rate_windows()[0]
    period = windows.period
    # Summing the shortest window's recorded counts over the period is an occurrences-weighted
    # ratio without a 30-day range query over raw series; each sample overlaps its neighbours
    # equally in numerator and denominator, so the ratio is unaffected.
    period_ratio = (
        f"sum_over_time({errors_record(base)}{sel}[{period}]) / sum_over_time({requests_record(base)}{sel}[{period}])"
    )
    return [
        {"record": OBJECTIVE_RECORD, "expr": f"vector({_number(sli.objective)})", "labels": _labels(sli)},
        {"record": ratio_record(period), "expr": period_ratio, "labels": _labels(sli)},
        {
            "record": BUDGET_REMAINING_RECORD,
            "expr": f"1 - {ratio_record(period)}{sel} / {_number(sli.error_budget)}",
            "labels": _labels(sli),
        },
    ]


def _condition(sli: Sli, window: BurnWindow, min_requests: int) -> str:
    sel = _matchers(sli)
    budget = _number(sli.error_budget)
    rate = _number(window.burn_rate)
    # "ratio / budget > rate" rather than "ratio > rate * budget": the alert's value is then the
    # long window's burn rate, which the description shows.
    return (
        f"(\n  {ratio_record(window.long)}{sel} / {budget} > {rate}\n"
        f"  and {ratio_record(window.short)}{sel} / {budget} > {rate}\n"
        f"  and {requests_record(window.long)}{sel} >= {min_requests}\n)"
    )


def _policy_text(windows: tuple[BurnWindow, ...]) -> str:
    return " or ".join(f"{_number(w.burn_rate)}x over {w.long} (confirmed over {w.short})" for w in windows)


@dataclass(frozen=True)
class AlertLinks:
    """Where an alert's links point: '' bases keep them repository-relative (docs) or a file path (dashboard)."""

    docs_base_url: str = ""
    grafana_url: str = ""

    def dashboard(self, service: str) -> str:
        if not self.grafana_url:
            return dashboard_path(service)
        from companyos.observability.dashboard import dashboard_uid  # grafana-foundation-sdk: only when needed

        return f"{self.grafana_url.rstrip('/')}/d/{dashboard_uid(service)}"


def _alert(
    spec: ServiceSpec, sli: Sli, windows: WindowSet, severity: str, min_requests: int, links: AlertLinks
) -> dict[str, Any]:
    pairs = windows.by_severity(severity)
    name = alert_name(sli, severity)
    label = pairs[0].severity_label
    what = "page" if severity == "page" else "ticket"
    return {
        "alert": name,
        "expr": "\nor\n".join(_condition(sli, w, min_requests) for w in pairs) + "\n",
        "labels": {
            "severity": label,
            "service": spec.name,
            "slo": sli.slo,
            "owner": spec.owner,
            "risk": spec.risk,
        },
        "annotations": {
            "summary": f"{spec.name}: {sli.key} error budget is burning too fast ({what})",
            "description": (
                f"{spec.name} {sli.key} SLO ({_number(sli.objective_percent)}% of requests where "
                f"{sli.good_means}, over {windows.period}) is burning its error budget at "
                '{{ printf "%.1f" $value }}x the sustainable rate over the long window. '
                f"Threshold: {_policy_text(pairs)}, with at least {min_requests} requests in the long window."
            ),
            "runbook_url": runbook_url(spec.name, name, links.docs_base_url),
            "dashboard": links.dashboard(spec.name),
        },
    }


def generate_rules(
    spec: ServiceSpec, *, min_requests: int = DEFAULT_MIN_REQUESTS, links: AlertLinks = AlertLinks()
) -> dict[str, Any]:
    """The Prometheus rule-file document ({"groups": [...]}) for one catalogue stanza.

    Raises UserError for a latency threshold that is not a histogram bucket, an SLO period with
    no alert windows, or a negative min_requests.
    """
    if isinstance(min_requests, bool) or not isinstance(min_requests, int) or min_requests < 0:
        raise UserError(
            f"--min-requests: {min_requests!r} is not a whole number >= 0. "
            "Fix: pass the requests a long window must hold before it may alert, e.g. 100 (0 disables the guard)."
        )
    windows = load_windows(spec.slo.window_days)
    slis = service_slis(spec)
    return {
        "groups": [
            {
                "name": f"{spec.name}-slo-sli-recordings",
                "rules": [rule for sli in slis for rule in _sli_recordings(sli, windows)],
            },
            {
                "name": f"{spec.name}-slo-meta-recordings",
                "rules": [rule for sli in slis for rule in _meta_recordings(sli, windows)],
            },
            {
                "name": f"{spec.name}-slo-alerts",
                "rules": [
                    _alert(spec, sli, windows, severity, min_requests, links)
                    for sli in slis
                    for severity in ("page", "ticket")
                ],
            },
        ]
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (alert expressions) as literal blocks, so rule files diff and read well."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render_yaml(document: Any, header: str = "") -> str:
    """Deterministic YAML (insertion order, no line wrapping) with an optional comment header."""
    body = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True, default_flow_style=False
    )
    lines = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return lines + body


def render_rules(spec: ServiceSpec, *, min_requests: int = DEFAULT_MIN_REQUESTS) -> str:
    header = (
        f"Prometheus SLO rules for {spec.name}, generated from the service catalogue.\n"
        f"Regenerate: companyos slo rules --service {spec.name} --out <file>"
        + (f" --min-requests {min_requests}" if min_requests != DEFAULT_MIN_REQUESTS else "")
        + "\nDo not edit by hand."
    )
    return render_yaml(generate_rules(spec, min_requests=min_requests), header)
