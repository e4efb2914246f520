"""The throughput benchmark's figures (benchmarks/results.py), judged against the goals, and its printed table."""

from __future__ import annotations

import os
import statistics

from benchmarks.results import Figure
from benchmarks.throughput.variants import Variant

GROUP = "throughput"
RPS_GOAL, P99_GOAL = 0.85, 1.25


def median(variant: Variant, key: str) -> float:
    return float(statistics.median(s[key] for s in variant.samples))


def samples(variant: Variant, key: str) -> list[float]:
    return [float(s[key]) for s in variant.samples]


def bare_of(variant: Variant, chosen: list[Variant]) -> Variant:
    """The bare app on the same Node runtime: each variant is compared with it."""
    return next(v for v in chosen if v.role == "bare" and v.runtime == variant.runtime)


# What each comparison reports: (metric key, figure name, unit, better).
METRICS = (
    ("rps", "GET /hello req/s", "req/s", "higher"),
    ("p50", "GET /hello p50 latency", "ms", "lower"),
    ("p99", "GET /hello p99 latency", "ms", "lower"),
    ("cpu_us", "server CPU per request", "us", "lower"),
)


def comparison(
    subject: Variant, against: Variant, name: str, note: str, goals: dict[str, tuple[str, bool]] | None = None
) -> list[Figure]:
    """One figure per metric of `subject` against `against`'s samples of the same rounds (CPU when both have it);
    `goals` maps a metric to (the goal in words, met)."""
    out = []
    for key, label, unit, better in METRICS:
        if key == "cpu_us" and not (has_cpu(subject) and has_cpu(against)):
            continue
        goal, met = (goals or {}).get(key, ("", None))
        out.append(
            Figure(
                GROUP,
                f"{label}, {name}",
                unit,
                samples(subject, key),
                better="higher" if better == "higher" else "lower",
                comparator=against.name,
                comparator_samples=samples(against, key),
                goal=goal,
                goal_met=met,
                note=f"user+system CPU of the server process over the measured run / requests; {note}"
                if key == "cpu_us"
                else note,
            )
        )
    return out


def figures(chosen: list[Variant], setting: str) -> list[Figure]:
    """req/s, p50, p99 (and CPU per request) of each variant against the bare app's samples of the same rounds on
    the same runtime; then the shipped service on the first runtime against the shipped service on each other."""
    out: list[Figure] = []
    judged = next(v for v in chosen if v.role == "shipped")  # the first runtime's: the template's
    for variant in (v for v in chosen if v.role != "bare"):
        base = bare_of(variant, chosen)
        goals: dict[str, tuple[str, bool]] = {}
        if variant is judged:
            rps_ratio = median(variant, "rps") / median(base, "rps")
            p99_ratio = median(variant, "p99") / median(base, "p99") if median(base, "p99") else float("inf")
            goals = {
                "rps": (">= 85% of bare req/s", rps_ratio >= RPS_GOAL),
                "p99": ("p99 <= 1.25x bare", p99_ratio <= P99_GOAL),
            }
        out += comparison(variant, base, variant.name, f"{variant.note}; {setting}", goals)
    for other in (v for v in chosen if v.role == "shipped" and v is not judged):
        note = f"the shipped service on {judged.runtime.version} against itself on {other.runtime.version}; {setting}"
        out += comparison(judged, other, f"generated service, {judged.runtime.label} vs {other.runtime.label}", note)
    return out


def has_cpu(variant: Variant) -> bool:
    return all("cpu_us" in s for s in variant.samples)


def print_table(chosen: list[Variant], setting: str) -> None:
    print(f"GET /hello, {setting}; load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"{'variant':46} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'req/s vs bare':>14} {'p99 vs bare':>12} "
        f"{'CPU us/req':>11} {'vs bare':>8}"
    )
    for variant in chosen:
        base = bare_of(variant, chosen)
        rps, p50, p99 = median(variant, "rps"), median(variant, "p50"), median(variant, "p99")
        p99_ratio = p99 / median(base, "p99") if median(base, "p99") else float("inf")
        cpu = (
            f"{median(variant, 'cpu_us'):11.0f} {median(variant, 'cpu_us') / median(base, 'cpu_us'):7.2f}x"
            if has_cpu(base) and has_cpu(variant)
            else ""
        )
        print(
            f"{variant.name:46} {rps:7.0f} {p50:7.1f} {p99:7.1f} {rps / median(base, 'rps'):13.0%} {p99_ratio:11.2f}x "
            f"{cpu}"
        )
    shipped = [v for v in chosen if v.role == "shipped"]
    judged, base = shipped[0], bare_of(shipped[0], chosen)
    rps_ratio = median(judged, "rps") / median(base, "rps")
    p99_ratio = median(judged, "p99") / median(base, "p99") if median(base, "p99") else float("inf")
    print(
        f"goals for the generated service as shipped on {judged.runtime.label}: req/s >= 85% of bare: "
        f"{'met' if rps_ratio >= RPS_GOAL else 'NOT met'} ({rps_ratio:.0%}); p99 <= 1.25x bare: "
        f"{'met' if p99_ratio <= P99_GOAL else 'NOT met'} ({p99_ratio:.2f}x)"
    )
    for other in shipped[1:]:
        cpu = (
            f", CPU/request {median(judged, 'cpu_us') / median(other, 'cpu_us'):.2f}x"
            if has_cpu(judged) and has_cpu(other)
            else ""
        )
        print(
            f"generated service on {judged.runtime.label} vs {other.runtime.label}: req/s "
            f"{median(judged, 'rps') / median(other, 'rps'):.2f}x, p99 {median(judged, 'p99') / median(other, 'p99'):.2f}x"
            f"{cpu}"
        )
    print("runs (req/s): " + "; ".join(f"{v.name}: " + ", ".join(f"{s['rps']:.0f}" for s in v.samples) for v in chosen))
