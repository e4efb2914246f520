"""The burn-rate windows data reproduces the SRE workbook and is refused where it has no answer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from companyos.contracts.errors import UserError
from companyos.observability.windows import (
    duration_minutes,
    load_windows,
    workbook_burn_rates,
)

# (severity, long, short, burn rate) per period; 30d is table 5-8 of the workbook verbatim.
EXPECTED = {
    30: [
        ("page", "1h", "5m", "14.4"),
        ("page", "6h", "30m", "6"),
        ("ticket", "1d", "2h", "3"),
        ("ticket", "3d", "6h", "1"),
    ],
    28: [
        ("page", "1h", "5m", "13.44"),
        ("page", "6h", "30m", "5.6"),
        ("ticket", "1d", "2h", "2.8"),
        ("ticket", "3d", "6h", "0.9333"),
    ],
    7: [
        ("page", "1h", "5m", "13.44"),
        ("page", "6h", "30m", "3.5"),
        ("ticket", "1d", "2h", "1.4"),
        ("ticket", "3d", "6h", "0.98"),
    ],
}


@pytest.mark.parametrize("days", sorted(EXPECTED))
def test_each_period_yields_the_cited_windows_and_burn_rates(days: int) -> None:
    windows = load_windows(days)
    got = [(w.severity, w.long, w.short, str(w.burn_rate.normalize())) for w in windows.windows]
    assert got == EXPECTED[days]


def test_the_30_day_burn_rates_derived_from_budget_percents_equal_the_workbook_table() -> None:
    derived = [w.burn_rate for w in load_windows(30).windows]
    assert derived == workbook_burn_rates(30) == [Decimal("14.4"), Decimal(6), Decimal(3), Decimal(1)]


def test_every_short_window_is_a_twelfth_of_its_long_window_as_the_workbook_advises() -> None:
    for days in EXPECTED:
        for window in load_windows(days).windows:
            assert duration_minutes(window.long) == 12 * duration_minutes(window.short), window


def test_the_rate_windows_are_every_long_and_short_window_shortest_first() -> None:
    assert load_windows(30).rate_windows() == ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def test_a_period_without_cited_windows_is_refused_naming_the_field_and_allowed_values() -> None:
    with pytest.raises(UserError) as error:
        load_windows(90)
    message = str(error.value)
    assert "slo.window_days" in message and "allowed: 7, 28, 30" in message
