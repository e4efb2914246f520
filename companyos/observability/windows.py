"""Burn-rate alert windows, loaded from the cited data file `burn_rate_windows.yaml`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from companyos.contracts.errors import UserError

DATA_FILE = "burn_rate_windows.yaml"
SEVERITIES = {"page": "critical", "ticket": "warning"}  # workbook term -> Alertmanager severity label
_DURATION = re.compile(r"^([1-9][0-9]*)([mhd])$")
_MINUTES = {"m": 1, "h": 60, "d": 24 * 60}
# Burn rates that do not divide evenly (0.9333...) are rounded so rule files stay short and stable.
_BURN_RATE_PLACES = Decimal("0.0001")


def duration_minutes(text: str) -> int:
    """Minutes in a Prometheus-style duration limited to one unit (5m, 6h, 3d), as the data file uses."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 5m, 6h or 3d")
    return int(match.group(1)) * _MINUTES[match.group(2)]


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow alert condition: both windows burn faster than `burn_rate` -> alert."""

    severity: str  # "page" or "ticket" (the workbook's words)
    speed: str  # "fast" or "slow"
    long: str
    short: str
    budget_percent: Decimal  # share of the period's budget consumed when the long window fires
    burn_rate: Decimal

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity]


@dataclass(frozen=True)
class WindowSet:
    period_days: int
    source: str
    windows: tuple[BurnWindow, ...]

    @property
    def period(self) -> str:
        return f"{self.period_days}d"

    def by_severity(self, severity: str) -> tuple[BurnWindow, ...]:
        return tuple(w for w in self.windows if w.severity == severity)

    def rate_windows(self) -> tuple[str, ...]:
        """Every long and short window, shortest first: the SLI must be recorded over each."""
        names = {w.long for w in self.windows} | {w.short for w in self.windows}
        return tuple(sorted(names, key=duration_minutes))


def burn_rate(budget_percent: Decimal, period_days: int, long_window: str) -> Decimal:
    """Speed at which `budget_percent` of the period's budget is spent within `long_window` (sloth's formula)."""
    period_minutes = Decimal(period_days * 24 * 60)
    rate = budget_percent / Decimal(100) * period_minutes / Decimal(duration_minutes(long_window))
    return rate.quantize(_BURN_RATE_PLACES, rounding=ROUND_HALF_EVEN).normalize()


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files("companyos.observability").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def supported_periods() -> tuple[int, ...]:
    return tuple(sorted(int(key.rstrip("d")) for key in _raw()["periods"]))


def load_windows(period_days: int) -> WindowSet:
    """The alert windows for an SLO period; refuses a period the data file does not cover."""
    periods = _raw()["periods"]
    entry = periods.get(f"{period_days}d")
    if entry is None:
        allowed = ", ".join(str(p) for p in supported_periods())
        raise UserError(
            f"slo.window_days: {period_days} days has no burn-rate alert windows in "
            f"companyos/observability/{DATA_FILE} (allowed: {allowed}). "
            "Fix: set slo.window_days to an allowed value, or add a cited window set for that period to the data file."
        )
    windows = []
    for item in entry["windows"]:
        budget = Decimal(str(item["budget_percent"]))
        windows.append(
            BurnWindow(
                severity=item["severity"],
                speed=item["speed"],
                long=item["long"],
                short=item["short"],
                budget_percent=budget,
                burn_rate=burn_rate(budget, period_days, item["long"]),
            )
        )
    return WindowSet(period_days=period_days, source=entry["source"], windows=tuple(windows))


def workbook_burn_rates(period_days: int) -> list[Decimal | None]:
    """The burn rates the workbook states, where the data file records them (to cross-check the formula)."""
    entry = _raw()["periods"][f"{period_days}d"]
    return [Decimal(str(w["workbook_burn_rate"])) if "workbook_burn_rate" in w else None for w in entry["windows"]]
