"""The throughput benchmark's figures (benchmarks/results.py), judged against the goals, and its printed table."""

from __future__ import annotations

import os
import statistics

from benchmarks.results import Figure
from benchmarks.throughput.variants import BARE, Variant

GROUP = "throughput"
RPS_GOAL, P99_GOAL = 0.85, 1.25


def median(variant: Variant, key: str) -> float:
    return float(statistics.median(s[key] for s in variant.samples))


def samples(variant: Variant, key: str) -> list[float]:
    return [float(s[key]) for s in variant.samples]


def figures(base: Variant, others: list[Variant], setting: str) -> list[Figure]:
    """req/s, p50 and p99 of each variant against the bare app's samples of the same rounds."""
    out: list[Figure] = []
    for index, variant in enumerate(others):
        judged = index == 0  # the shipped service; the others locate costs and carry no goal
        rps_ratio = median(variant, "rps") / median(base, "rps")
        p99_ratio = median(variant, "p99") / median(base, "p99") if median(base, "p99") else float("inf")
        note = f"{variant.note}; {setting}"
        out += [
            Figure(
                GROUP,
                f"GET /hello req/s, {variant.name}",
                "req/s",
                samples(variant, "rps"),
                better="higher",
                comparator=BARE,
                comparator_samples=samples(base, "rps"),
                goal=">= 85% of bare req/s" if judged else "",
                goal_met=rps_ratio >= RPS_GOAL if judged else None,
                note=note,
            ),
            Figure(
                GROUP,
                f"GET /hello p50 latency, {variant.name}",
                "ms",
                samples(variant, "p50"),
                comparator=BARE,
                comparator_samples=samples(base, "p50"),
                note=note,
            ),
            Figure(
                GROUP,
                f"GET /hello p99 latency, {variant.name}",
                "ms",
                samples(variant, "p99"),
                comparator=BARE,
                comparator_samples=samples(base, "p99"),
                goal="p99 <= 1.25x bare" if judged else "",
                goal_met=p99_ratio <= P99_GOAL if judged else None,
                note=note,
            ),
        ]
        if has_cpu(base) and has_cpu(variant):
            out.append(
                Figure(
                    GROUP,
                    f"server CPU per request, {variant.name}",
                    "us",
                    samples(variant, "cpu_us"),
                    comparator=BARE,
                    comparator_samples=samples(base, "cpu_us"),
                    note=f"user+system CPU of the server process over the measured run / requests; {note}",
                )
            )
    return out


def has_cpu(variant: Variant) -> bool:
    return all("cpu_us" in s for s in variant.samples)


def print_table(chosen: list[Variant], setting: str) -> None:
    base = chosen[0]
    print(f"GET /hello, {setting}; load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"{'variant':34} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'req/s vs bare':>14} {'p99 vs bare':>12} "
        f"{'CPU us/req':>11} {'vs bare':>8}"
    )
    for variant in chosen:
        rps, p50, p99 = median(variant, "rps"), median(variant, "p50"), median(variant, "p99")
        p99_ratio = p99 / median(base, "p99") if median(base, "p99") else float("inf")
        cpu = (
            f"{median(variant, 'cpu_us'):11.0f} {median(variant, 'cpu_us') / median(base, 'cpu_us'):7.2f}x"
            if has_cpu(base) and has_cpu(variant)
            else ""
        )
        print(
            f"{variant.name:34} {rps:7.0f} {p50:7.1f} {p99:7.1f} {rps / median(base, 'rps'):13.0%} {p99_ratio:11.2f}x "
            f"{cpu}"
        )
    shipped = chosen[1]
    rps_ratio = median(shipped, "rps") / median(base, "rps")
    p99_ratio = median(shipped, "p99") / median(base, "p99") if median(base, "p99") else float("inf")
    print(
        f"goals for the generated service as shipped: req/s >= 85% of bare: {'met' if rps_ratio >= RPS_GOAL else 'NOT met'} "
        f"({rps_ratio:.0%}); p99 <= 1.25x bare: {'met' if p99_ratio <= P99_GOAL else 'NOT met'} ({p99_ratio:.2f}x)"
    )
    print("runs (req/s): " + "; ".join(f"{v.name}: " + ", ".join(f"{s['rps']:.0f}" for s in v.samples) for v in chosen))
