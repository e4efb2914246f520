"""The gate benchmark's figures (benchmarks/results.py), judged against the goals, and its printed tables."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.gate.per_resource import PerResource
from benchmarks.results import Figure

GRPC_GOAL_MS = 0.5
PREVIEW_GOAL_S, PREVIEW_GOAL_MB, SCALING_GOAL = 6.0, 250.0, 5.5
GROUP_RESOURCE, GROUP_PREVIEW = "policy gate per resource", "preview + gate"
# The pack before issue 13 (default-deny) is measured beside the current one at this size; goal: <= 10% slower.
BASELINE_SIZE, BASELINE_GOAL = 100, 1.10


def resource_figures(m: PerResource) -> list[Figure]:
    n = m.policies
    floor = f"SDK floor: {n} no-op ResourceValidationPolicy objects, same resources, served the same way"
    figures = [
        Figure(
            GROUP_RESOURCE,
            f"Analyze in-process, {n} resource rules",
            "ms/resource",
            m.local,
            comparator=floor,
            comparator_samples=m.floor_local,
            note=f"{m.resources} resources; the pack's Analyze handler called directly, no gRPC",
        ),
        Figure(
            GROUP_RESOURCE,
            f"Analyze over gRPC, {n} resource rules",
            "ms/resource",
            m.grpc,
            comparator=floor,
            comparator_samples=m.floor_grpc,
            goal=f"<= {GRPC_GOAL_MS} ms/resource",
            goal_met=statistics.median(m.grpc) <= GRPC_GOAL_MS,
            note=f"verdict {m.verdict}; the floor alone is {statistics.median(m.floor_grpc):.2f} ms/resource",
        ),
        Figure(
            GROUP_RESOURCE,
            "AnalyzeStack over gRPC, per resource",
            "ms/resource",
            m.stack,
            note="one AnalyzeStack of the whole stack (every stack rule), divided by the resource count",
        ),
    ]
    if m.baseline_grpc:
        figures.append(
            Figure(
                GROUP_RESOURCE,
                f"Analyze over gRPC, {n} resource rules, against the pack before",
                "ms/resource",
                m.grpc,
                comparator=f"the pack at --baseline ({m.baseline_policies} resource rules), same resources and config",
                comparator_samples=m.baseline_grpc,
                note="the cost of default-deny admission, workloads by shape and the Pod Security rules per resource",
            )
        )
    if m.rego:
        figures.append(
            Figure(
                GROUP_RESOURCE,
                "label + digest rules via pulumi_policy, in-process",
                "ms/resource",
                m.two_rules,
                comparator="the same two rules in Rego, regopy 1.5.2 (rego-cpp), precompiled bundle, JSON input",
                comparator_samples=m.rego,
                note="; ".join(m.agreement),
            )
        )
    return figures


def baseline_figure(rows: list[dict[str, Any]], before: list[dict[str, Any]]) -> Figure:
    wall = [r["wall_s"] for r in rows if r["stanzas"] == BASELINE_SIZE]
    before_wall = [r["wall_s"] for r in before]
    ratio = statistics.median(wall) / statistics.median(before_wall)
    return Figure(
        GROUP_PREVIEW,
        f"wall, {BASELINE_SIZE} stanzas, against the pack before",
        "s",
        wall,
        comparator="the pack at --baseline, same catalogue and config",
        comparator_samples=before_wall,
        goal=f"<= {BASELINE_GOAL:g}x the pack before",
        goal_met=ratio <= BASELINE_GOAL,
        note="preview + gate; no regression beyond 10% (issue 13)",
    )


def preview_figures(rows: list[dict[str, Any]]) -> list[Figure]:
    figures = []
    by_size: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_size.setdefault(row["stanzas"], []).append(row)
    for size, samples in by_size.items():
        goal_s = f"<= {PREVIEW_GOAL_S:g} s" if size == 100 else ""
        goal_mb = f"<= {PREVIEW_GOAL_MB:g} MB" if size == 100 else ""
        wall = [s["wall_s"] for s in samples]
        rss = [s["rss_mb"] for s in samples]
        stanzas = f"{size} stanza{'s' if size != 1 else ''}"
        figures.append(
            Figure(
                GROUP_PREVIEW,
                f"wall, {stanzas}",
                "s",
                wall,
                goal=goal_s,
                goal_met=statistics.median(wall) <= PREVIEW_GOAL_S if goal_s else None,
                note=f"{samples[0]['resources']} resources, verdict {samples[0]['verdict']}",
            )
        )
        figures.append(
            Figure(
                GROUP_PREVIEW,
                f"peak RSS gate + pack, {stanzas}",
                "MB",
                rss,
                goal=goal_mb,
                goal_met=statistics.median(rss) <= PREVIEW_GOAL_MB if goal_mb else None,
                note="gate process peak + pack process peak (an upper bound)",
            )
        )
    if 100 in by_size and 500 in by_size:
        ratios = [big["wall_s"] / small["wall_s"] for big, small in zip(by_size[500], by_size[100], strict=False)]
        figures.append(
            Figure(
                GROUP_PREVIEW,
                "t(500)/t(100)",
                "ratio",
                ratios,
                goal=f"<= {SCALING_GOAL:g}",
                goal_met=statistics.median(ratios) <= SCALING_GOAL,
                note="linear = 5.0",
            )
        )
    return figures


def _spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):.3f} ({min(samples):.3f}-{max(samples):.3f})"


def print_per_resource(m: PerResource) -> None:
    print(
        f"\nPart 1: per resource, {m.resources} program resources, {m.policies} resource rules, verdict "
        f"{m.verdict}; median (min-max) of {len(m.local)} runs, ms/resource"
    )
    rows: list[tuple[str, list[float]]] = [
        ("in-process, the pack", m.local),
        ("in-process, SDK floor (no-op policies)", m.floor_local),
        ("over gRPC, the pack", m.grpc),
        ("over gRPC, SDK floor", m.floor_grpc),
        ("AnalyzeStack over gRPC, per resource", m.stack),
    ]
    if m.baseline_grpc:
        rows.append((f"over gRPC, the pack before ({m.baseline_policies} rules)", m.baseline_grpc))
    if m.rego:
        rows += [("label + digest rules, via the SDK", m.two_rules), ("label + digest rules, Rego (regopy)", m.rego)]
    for label, samples in rows:
        print(f"  {label:<44} {_spread(samples):>24}")
    print(
        f"  goal over gRPC <= {GRPC_GOAL_MS}: {'met' if statistics.median(m.grpc) <= GRPC_GOAL_MS else 'NOT met'}; "
        f"the pack costs {statistics.median(m.grpc) - statistics.median(m.floor_grpc):.3f} ms/resource above "
        "the SDK floor"
    )
    for line in m.agreement:
        print(f"  agreement, {line}")


def print_previews(rows: list[dict[str, Any]]) -> None:
    print("\nPart 2: whole preview + gate (fresh interpreter per size)")
    print(
        f"{'stanzas':>8} {'resources':>10} {'wall s':>8} {'program s':>10} {'gate s':>8} {'analyze ms/r':>13} "
        f"{'gate MB':>8} {'pack MB':>8} {'total MB':>9} {'verdict':>8}"
    )
    for row in rows:
        d = row["durations_ms"]
        print(
            f"{row['stanzas']:>8} {row['resources']:>10} {row['wall_s']:>8.2f} {d['program'] / 1000:>10.2f} "
            f"{d['gate_total'] / 1000:>8.2f} {d['analyze'] / row['resources']:>13.3f} {row['self_rss_mb']:>8.0f} "
            f"{row['pack_rss_mb']:>8.0f} {row['rss_mb']:>9.0f} {row['verdict']:>8}"
        )
