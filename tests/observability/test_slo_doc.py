"""The committed SLO page is exactly what the generator produces, and states the windows data."""

from __future__ import annotations

from companyos.observability.slo_doc import render_slo_doc
from companyos.observability.windows import load_windows

from .slo_testkit import REPO, hello_prod, stanza

COMMITTED = REPO / "docs" / "slo" / "SLO-001-hello-prod.md"


def test_the_committed_hello_prod_slo_page_matches_the_generator() -> None:
    expected = render_slo_doc(hello_prod())
    assert COMMITTED.read_text(encoding="utf-8") == expected, (
        "docs/slo/SLO-001-hello-prod.md is stale. Fix: companyos slo doc --service hello-prod "
        "--out docs/slo/SLO-001-hello-prod.md"
    )


def test_the_page_states_the_error_budget_in_minutes_from_the_catalogue() -> None:
    spec = hello_prod()
    assert f"{spec.slo.error_budget_minutes:.1f} minutes" in render_slo_doc(spec)
    assert "43.2 minutes" in render_slo_doc(spec)  # 0.1% of 30 days


def test_the_alert_policy_table_has_one_row_per_sli_and_window_from_the_data_file() -> None:
    spec = stanza(window_days=28)
    doc = render_slo_doc(spec)
    rows = [line for line in doc.splitlines() if line.startswith("| [SLO")]
    windows = load_windows(28).windows
    assert len(rows) == 2 * len(windows)
    for row, window in zip(rows, windows * 2, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2:5] == [window.long, window.short, f"{window.burn_rate.normalize():f}x"]


def test_an_unreachable_burn_rate_is_called_out_rather_than_shown_as_a_ratio_above_100_percent() -> None:
    doc = render_slo_doc(stanza(latency=90))  # budget 10%: 14.4x would need 144% slow requests
    assert "never (objective too low for this burn rate)" in doc
    assert "> 144%" not in doc


def test_the_page_quotes_the_low_traffic_minimum_it_was_generated_with() -> None:
    assert "at least 25 requests" in render_slo_doc(hello_prod(), min_requests=25)
