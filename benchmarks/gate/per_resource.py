"""Part 1 of the gate benchmark: the cost per resource, in-process and over gRPC, each beside its comparator
(the SDK floor; the label and digest rules in Rego), optionally beside the pack at a baseline revision."""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.gate.inputs import NEWER_RULES, RESOURCES_PER_STANZA, baseline_exceptions, broken_copy
from benchmarks.gate.packs import REAL_PACK, InProcessPack, analyze_requests, write_floor_pack

WARM_UP = 2 * RESOURCES_PER_STANZA
LABEL_RULE, DIGEST_RULE = "kubernetes-governance-labels", "image-pinned-by-digest"


def rego_judge(resources: list[Any], labels_config: Any) -> tuple[float, list[dict[str, int]]]:
    """(ms/resource, violation counts per rule) of the Rego comparator, from the Analyzer's wire form."""
    from google.protobuf import json_format

    from benchmarks.rego.comparator import RegoRules

    rego = RegoRules(labels_config)
    started = time.perf_counter()
    counts = [rego.counts(r.type, json_format.MessageToDict(r.inputs_struct)) for r in resources]
    return (time.perf_counter() - started) * 1000 / len(resources), counts


def check_agreement(what: str, resources: list[Any], python: list[set[str]], rego: list[dict[str, int]]) -> str:
    """The two engines' verdicts per rule, as a line; SystemExit naming a resource they judge differently."""
    parts = []
    for rule in (LABEL_RULE, DIGEST_RULE):
        by_python = {r.urn for r, names in zip(resources, python, strict=True) if rule in names}
        by_rego = {r.urn for r, counts in zip(resources, rego, strict=True) if counts[rule] > 0}
        if by_python != by_rego:
            differ = sorted(by_python ^ by_rego)
            raise SystemExit(
                f"the Rego comparator disagrees with the pack on {rule} ({what}): {len(differ)} "
                f"resource(s), e.g. {differ[0]}. Fix benchmarks/rego/ before timing it."
            )
        parts.append(f"{rule}: {len(by_python)} violating (python) = {len(by_rego)} (rego)")
    return f"{what}: " + "; ".join(parts)


@dataclass
class PerResource:
    local: list[float]
    floor_local: list[float]
    grpc: list[float]
    floor_grpc: list[float]
    stack: list[float]
    two_rules: list[float]
    rego: list[float]
    agreement: list[str]
    verdict: str
    resources: int
    policies: int
    baseline_grpc: list[float] = dataclasses.field(default_factory=list)
    baseline_policies: int = 0


def per_resource(
    pack: Path, resources: list[Any], overrides: dict[str, Any], repeats: int, work: Path, baseline: Path | None = None
) -> PerResource:
    from companyos.policy_gate.gate import GateSession

    requests = analyze_requests(resources)
    real = InProcessPack.load(pack, overrides)
    floor_dir = write_floor_pack(work / "sdk-floor", real.resource_policies)
    floor = InProcessPack.load(floor_dir, {})
    compared = pack.resolve() == REAL_PACK.resolve()
    two = InProcessPack.load(pack, overrides, only={LABEL_RULE, DIGEST_RULE}) if compared else None
    out = PerResource([], [], [], [], [], [], [], [], "", len(resources), len(real.resource_policies))
    labels_config = _labels_config() if compared else None
    if two is not None:
        broken = broken_copy(resources)
        _, python_broken = two.analyze(analyze_requests(broken))
        out.agreement.append(
            check_agreement("broken copy", broken, python_broken, rego_judge(broken, labels_config)[1])
        )
    # The baseline pack predates some rules: their config entries would be unknown policy names to it.
    before_overrides = {name: value for name, value in overrides.items() if name not in NEWER_RULES}
    before = GateSession(
        baseline or floor_dir,
        project="paved-road",
        stack="bench",
        timeout_s=600,
        exceptions_file=baseline_exceptions(work / "baseline-exceptions.yaml", before_overrides, len(resources))
        if baseline is not None
        else None,
    )
    with (
        GateSession(pack, project="paved-road", stack="bench", timeout_s=600) as gate,
        GateSession(floor_dir, project="paved-road", stack="bench", timeout_s=600) as floor_gate,
        before,
    ):
        # Untimed first passes: imports, caches and the pack's start are not per-resource costs.
        warm = resources[:WARM_UP]
        for pack_in_process in (real, floor, *([two] if two else [])):
            pack_in_process.analyze(requests[:WARM_UP])
        gate.run(warm, overrides, config_source="bench")
        floor_gate.run(warm, {}, config_source="bench")
        if baseline is not None:
            before.run(warm, before_overrides, config_source="bench")
        if labels_config is not None:
            rego_judge(warm, labels_config)
        for repeat in range(repeats):
            out.local.append(real.analyze(requests)[0])
            out.floor_local.append(floor.analyze(requests)[0])
            result = gate.run(resources, overrides, config_source="bench")
            floor_result = floor_gate.run(resources, {}, config_source="bench")
            for run in (result, floor_result):
                if run.error:
                    raise SystemExit(f"the gate could not run: {run.error}")
            out.grpc.append(result.durations_ms["analyze"] / len(resources))
            out.floor_grpc.append(floor_result.durations_ms["analyze"] / len(resources))
            out.stack.append(result.durations_ms["analyze_stack"] / len(resources))
            if baseline is not None:
                before_result = before.run(resources, before_overrides, config_source="bench")
                if before_result.error:
                    raise SystemExit(f"the baseline gate could not run: {before_result.error}")
                out.baseline_grpc.append(before_result.durations_ms["analyze"] / len(resources))
                out.baseline_policies = sum(p.policy_type == "resource" for p in before_result.policies)
            out.verdict = result.verdict
            if two is not None:
                ms, python = two.analyze(requests)
                rego_ms, rego = rego_judge(resources, labels_config)
                out.two_rules.append(ms)
                out.rego.append(rego_ms)
                if repeat == 0:
                    out.agreement.insert(0, check_agreement("bench resources", resources, python, rego))
    return out


def _labels_config() -> Any:
    sys.path.insert(0, str(REAL_PACK))
    from paved_road_policies.registry import rule

    return rule(LABEL_RULE).load_config(None)
