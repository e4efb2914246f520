"""The benchmark runner's report: figures render with their comparator, goals are judged, README follows RESULTS.md."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from benchmarks.results import Figure, read_figures, write_figures
from benchmarks.run import (
    PLAN,
    README_BEGIN,
    README_END,
    Bench,
    Outcome,
    goals_section,
    readme_with_performance,
    render_results,
)


def outcomes() -> list[Outcome]:
    throughput = Figure(
        group="throughput",
        name="generated service req/s",
        unit="req/s",
        samples=[900, 1000, 1100],
        better="higher",
        comparator="bare Express",
        comparator_samples=[1900, 2000, 2100],
        goal=">= 85% of bare req/s",
        goal_met=False,
    )
    scaffold = Figure(
        group="scaffold", name="scaffold alone", unit="s", samples=[0.3, 0.5, 0.4], goal="<= 1 s", goal_met=True
    )
    plain = Figure(group="sign/verify", name="verify", unit="ms", samples=[0.15])
    return [
        Outcome(Bench("throughput", "bench_service_throughput.py", ("--quick",)), 95.0, [throughput, plain]),
        Outcome(Bench("scaffold", "bench_scaffold.py", ()), 40.0, [scaffold]),
        Outcome(Bench("sbom", "bench_sbom.py", ()), 3.0, [], "exited with 1 (its output is above)"),
    ]


def test_a_figure_shows_median_spread_comparator_ratio_and_goal_verdict() -> None:
    text = render_results(outcomes(), datetime(2026, 11, 29, tzinfo=UTC), 138.0)
    row = next(
        line
        for line in text.splitlines()
        if "generated service req/s" in line and "min" not in line and line.startswith("| throughput")
    )
    assert (
        "| 1,000 req/s | 900-1,100 | 3 | bare Express: 2,000 req/s | 0.50x | >= 85% of bare req/s | **not met** |"
        in row
    )
    assert "| 0.400 s | 0.3-0.5 |" in text or "| 0.4 s | 0.3-0.5 |" in text
    assert "| verify | 0.15 ms | (1 run) | 1 |" in text


def test_a_benchmark_that_failed_is_listed_as_not_measured_and_not_met() -> None:
    text = render_results(outcomes(), datetime(2026, 11, 29, tzinfo=UTC), 138.0)
    goals = text.split("## Goals", 1)[1].split("\n## ", 1)[0]
    assert "| (all of bench_sbom.py) | not measured | exited with 1" in goals
    assert "Not measured: exited with 1" in text
    assert "| <= 1 s | scaffold: scaffold alone | 0.4 s |" in goals and "| met |" in goals


def test_the_readme_section_is_the_goals_table_and_replacing_it_is_idempotent() -> None:
    results = render_results(outcomes(), datetime(2026, 11, 29, tzinfo=UTC), 138.0)
    readme = "# Title\n\nintro\n"
    once = readme_with_performance(readme, results)
    assert once.startswith(readme.rstrip()) and "## Performance" in once
    assert goals_section(results) in once and "2026-11-29 00:00 UTC" in once
    assert readme_with_performance(once, results) == once
    newer = results.replace("1,000 req/s", "1,234 req/s")
    updated = readme_with_performance(once, newer)
    assert "1,234 req/s" in updated and updated.count(README_BEGIN) == 1 and updated.count(README_END) == 1


def test_figures_round_trip_through_the_json_file_and_reject_a_comparator_without_samples(tmp_path) -> None:
    figures = outcomes()[0].figures
    write_figures(tmp_path / "out.json", "bench_x.py", figures)
    back = read_figures(tmp_path / "out.json")
    assert [f.name for f in back] == [f.name for f in figures] and back[0].ratio == pytest.approx(0.5)
    with pytest.raises(ValueError, match="comparator"):
        Figure(group="g", name="n", unit="s", samples=[1.0], comparator="other")
    with pytest.raises(ValueError, match="no samples"):
        Figure(group="g", name="n", unit="s", samples=[])


def test_the_plan_names_each_script_once_and_every_script_exists() -> None:
    from benchmarks.run import ROOT

    scripts = [b.script for b in PLAN]
    assert len(scripts) == len(set(scripts))
    for script in scripts:
        assert (ROOT / "benchmarks" / script).is_file(), script


# The figures issue 8 names; each must be in the committed RESULTS.md (group, start of the figure's name).
REQUIRED_FIGURES = [
    ("preview + gate", "wall, 1 stanza"),
    ("preview + gate", "wall, 10 stanzas"),
    ("preview + gate", "wall, 100 stanzas"),
    ("preview + gate", "wall, 500 stanzas"),
    ("preview + gate", "peak RSS gate + pack, 100 stanzas"),
    ("preview + gate", "t(500)/t(100)"),
    ("policy gate per resource", "Analyze in-process"),
    ("policy gate per resource", "Analyze over gRPC"),
    ("policy gate per resource", "label + digest rules"),
    ("throughput", "GET /hello req/s"),
    ("throughput", "GET /hello p50"),
    ("throughput", "GET /hello p99"),
    ("scaffold", "scaffold, in-process"),
    ("scaffold", "scaffold -> green npm test"),
    ("SBOM", "time, ours"),
    ("SBOM", "components"),
    ("SBOM", "dependency edges"),
    ("SBOM", "orphans"),
    ("sign/verify", "sign"),
    ("sign/verify", "verify"),
    ("release", "stage: image"),
    ("release", "stage: sign"),
    ("release", "total"),
]


def committed_results() -> str:
    from benchmarks.run import RESULTS

    return RESULTS.read_text()


@pytest.mark.parametrize("group, name", REQUIRED_FIGURES, ids=[f"{g}: {n}" for g, n in REQUIRED_FIGURES])
def test_results_md_holds_every_figure_issue_8_names(group: str, name: str) -> None:
    rows = [
        line
        for line in committed_results().split("## All figures", 1)[1].splitlines()
        if line.startswith(f"| {group} | {name}")
    ]
    assert rows, f"benchmarks/RESULTS.md has no '{group}: {name}...' figure: rerun `make bench`"


def test_results_md_compares_with_the_named_comparators_in_the_same_run() -> None:
    text = committed_results()
    for group, comparator in [
        ("throughput", "bare Express"),
        ("SBOM", "syft alone"),
        ("policy gate per resource", "Rego"),
    ]:
        assert any(line.startswith(f"| {group} |") and comparator in line for line in text.splitlines()), (
            f"no {group} figure compared with {comparator}"
        )


def test_the_readme_performance_section_is_generated_from_results_md() -> None:
    from benchmarks.run import README

    readme = README.read_text()
    assert readme_with_performance(readme, committed_results()) == readme, (
        "README's Performance section differs from benchmarks/RESULTS.md: run `make bench` (never edit it by hand)"
    )
