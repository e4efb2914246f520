"""Kubernetes quantities as the pack reads them: every spelling of zero is zero, anything else is a number or None."""

from __future__ import annotations

from decimal import Decimal

import pytest

from companyos.contracts.quantity import quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", Decimal(0)),
        ("0m", Decimal(0)),
        ("0Mi", Decimal(0)),
        ("0.0", Decimal(0)),
        ("-0", Decimal(0)),
        ("100m", Decimal("0.1")),
        ("1Gi", Decimal(2**30)),
        ("128Mi", Decimal(128 * 2**20)),
        ("1e3", Decimal(1000)),
        ("1E", Decimal(10**18)),
        (".5", Decimal("0.5")),
        ("-1", Decimal(-1)),
        (2.0, Decimal(2)),
        (0, Decimal(0)),
    ],
)
def test_a_quantity_is_read_as_its_number_of_base_units(text: object, value: Decimal) -> None:
    assert quantity(text) == value


@pytest.mark.parametrize("text", ["abc", "1 ", " 1", "1ki", "1.2.3", "", "Mi", True, None, [1]])
def test_what_kubernetes_would_not_accept_is_none(text: object) -> None:
    assert quantity(text) is None
