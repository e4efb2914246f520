"""Cost of the policy gate: per resource (in-process and over gRPC), and whole preview+gate by catalogue size.

Run: .venv/bin/python benchmarks/bench_gate.py [--sizes 1,10,100,500] [--resources 1000] [--repeats 3]
       [--preview-repeats 1] [--pack DIR] [--policy-pack-config FILE] [--json PATH]
The defaults are what benchmarks/run.py runs: 8.5 minutes measured on the shared 2-core machine (load 3-6),
6 of them the 500-stanza preview; `--sizes 1,10,100` drops that and stays near 2.5 minutes.

Part 1, per resource, on the resources of whole synthetic stanzas (>= --resources; the program under mocks),
each figure measured --repeats times, interleaved with its comparator so both see the same machine load:
- the pack's Analyze handler called in-process (PolicyPack captured instead of served) and over gRPC through
  a GateSession (one channel, one Analyze per resource, as the engine does); comparator: the SDK floor, a
  pack of as many no-op ResourceValidationPolicy objects as the pack has resource rules, served the same
  way. pulumi_policy deserializes and proxies the props once per policy per resource (policy.py Analyze),
  so the floor bounds what any rule code can reach;
- the label and digest-pinning rules (kubernetes-governance-labels, image-pinned-by-digest) alone through
  the SDK in-process; comparator: the same two rules in Rego (benchmarks/rego/) evaluated by regopy, the
  rego-cpp bindings (regorus is not on this machine's PyPI mirror; why not a repackaged wheel:
  benchmarks/rego/comparator.py). Both judge the bench's resources and a copy broken on purpose, and must
  agree on which resources violate (the bench stops otherwise; tests/policies/test_rego_comparator.py
  checks the same on the pack's fixtures).
Part 2 runs `run_preview` (program + gate) in a fresh interpreter per size: wall time and peak RSS (VmHWM) of
the gate process plus the pack process (both peaks summed: an upper bound; the pack's sampled every 50 ms).
Goals (issue 4): <= 0.5 ms/resource over gRPC; 100 stanzas <= 6 s and <= 250 MB; t(500)/t(100) <= 5.5.
`--baseline REV` also measures the pack as it was at git revision REV, in the same run: per resource over gRPC,
and the 100-stanza preview (issue 13: no regression beyond 10%).
Printed and written with --json (benchmarks/results.py), never asserted.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import os
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, write_figures  # noqa: E402
from benchmarks.synthetic_catalog import write_synthetic_catalog  # noqa: E402
from companyos.contracts.conventions import trusted_key_config  # noqa: E402

REAL_PACK = ROOT / "policypacks" / "paved-road"
TEST_PACK = ROOT / "tests" / "policy_gate" / "packs" / "basic"
RESOURCES_PER_STANZA = 26  # a released stanza (tests/program/test_program.py EXPECTED_TYPES_PER_SERVICE)
GRPC_GOAL_MS = 0.5
WARM_UP = 2 * RESOURCES_PER_STANZA
PREVIEW_GOAL_S, PREVIEW_GOAL_MB, SCALING_GOAL = 6.0, 250.0, 5.5
LABEL_RULE, DIGEST_RULE = "kubernetes-governance-labels", "image-pinned-by-digest"
GROUP_RESOURCE, GROUP_PREVIEW = "policy gate per resource", "preview + gate"
# The pack before issue 13 (default-deny) is measured beside the current one at this size; goal: <= 10% slower.
BASELINE_SIZE, BASELINE_GOAL = 100, 1.10

# Peak RSS is read as VmHWM from /proc: getrusage's ru_maxrss survives exec on Linux, so a child of this (large)
# bench process would report the bench's own peak. The pack is a child of the child: a thread samples its VmHWM.
CHILD = """
import json, os, sys, threading, time
started = time.perf_counter()
from pathlib import Path
from companyos.policy_gate.preview import PreviewOptions, run_preview

def hwm_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0

children_peak = {}
def sample_children(stop):
    me = str(os.getpid())
    while not stop.wait(0.05):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    ppid = stat.read().rsplit(")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if ppid == me:
                children_peak[pid] = max(children_peak.get(pid, 0.0), hwm_mb(pid))

stop = threading.Event()
threading.Thread(target=sample_children, args=(stop,), daemon=True).start()
root, catalog, releases, pack, config, exceptions = sys.argv[1:7]
result = run_preview(PreviewOptions(project_dir=Path(root), catalog=Path(catalog), releases_dir=Path(releases),
                                    pack_dir=Path(pack), policy_config=Path(config) if config else None,
                                    exceptions=Path(exceptions) if exceptions else None,
                                    stack="bench", timeout_s=600))
wall = time.perf_counter() - started
stop.set()
print(json.dumps({"wall_s": wall, "verdict": result.verdict, "error": result.error,
                  "resources": result.resource_count, "durations_ms": result.durations_ms,
                  "self_rss_mb": hwm_mb("self"), "pack_rss_mb": max(children_peak.values(), default=0.0)}))
"""

FLOOR_MAIN = """# The SDK floor of benchmarks/bench_gate.py: as many no-op resource policies as the measured pack has.
import json
from pathlib import Path
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy
def noop(args, report_violation):
    return None
NAMES = json.loads(Path(__file__).with_name("policies.json").read_text())
PolicyPack(name="sdk-floor", enforcement_level=EnforcementLevel.MANDATORY,
           policies=[ResourceValidationPolicy(name=name, description="no-op", validate=noop) for name in NAMES])
"""


# --- resources -----------------------------------------------------------------------------------------


def baseline_exceptions(path: Path, config: dict[str, Any], stanzas: int) -> Path:
    """Exceptions for every setting `config` gives the baseline pack: it predates the `x-weakens` declarations, so
    the gate reads any change from its defaults (a trusted key, the PR labels) as a weakening to be excepted."""
    import datetime

    import yaml

    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    services = [f"svc-{index:04d}" for index in range(stanzas)]
    entries = [
        {
            "rule": rule,
            "setting": setting,
            "scope": {"services": services},
            "reason": "benchmark: the baseline pack's inputs",
            "owner": "bench",
            "approver": "bench-review",
            "expires": expires,
        }
        for rule, settings in config.items()
        if isinstance(settings, dict)
        for setting in settings
    ]
    path.write_text(yaml.safe_dump({"exceptions": entries}))
    return path


# Rules added after the baseline revision the plan compares with (b82f5f4) that take config.
NEWER_RULES = frozenset({"image-attestations-verified"})


def with_trusted_key(
    overrides: dict[str, Any], pack: Path, public_pem: bytes, baseline: Path | None = None
) -> dict[str, Any]:
    """The real pack verifies signatures: trust the synthetic catalogue's key so the gate judges a valid release."""
    if pack.resolve() not in (REAL_PACK.resolve(), baseline.resolve() if baseline else None):
        return overrides
    keys = trusted_key_config([public_pem.decode()])
    if baseline is not None and pack.resolve() == baseline.resolve():
        keys = {name: value for name, value in keys.items() if name not in NEWER_RULES}
    return {
        "pull-request-governance-labels": {
            "labels": ["risk:medium", "data-classification:internal"],
            "source": "pull_request",
        },
        **overrides,
        **keys,
    }


def program_resources(count: int, work: Path) -> tuple[list[Any], bytes]:
    """Every resource of the fewest whole stanzas with >= `count` resources (a cut stanza fails stack rules)."""
    from companyos.preview.program_run import run_program

    stanzas = -(-count // RESOURCES_PER_STANZA)
    catalog, releases, public_pem = write_synthetic_catalog(work, stanzas)
    run = run_program(
        ROOT, stack="bench", config={"paved-road:catalog": str(catalog), "paved-road:releasesDir": str(releases)}
    )
    if run.error:
        raise SystemExit(f"the program failed: {run.error}")
    return run.resources, public_pem


def broken_copy(resources: list[Any]) -> list[Any]:
    """The same resources with every 7th Kubernetes object missing its risk label and every 2nd Deployment's first
    container on a tag: a set both engines must find violations in, and agree on."""
    from companyos.policy_gate.resources import to_struct

    broken = []
    objects = deployments = 0
    for resource in resources:
        inputs = copy.deepcopy(resource.inputs)
        metadata = inputs.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        if resource.type.startswith("kubernetes:") and isinstance(labels, dict):
            objects += 1
            if objects % 7 == 0:
                labels.pop("risk", None)
        if resource.type == "kubernetes:apps/v1:Deployment":
            deployments += 1
            container = inputs["spec"]["template"]["spec"]["containers"][0]
            if deployments % 2 == 0:
                container["image"] = container["image"].split("@", 1)[0] + ":1.0.0"
        broken.append(dataclasses.replace(resource, inputs=inputs, inputs_struct=to_struct(inputs, where=resource.urn)))
    return broken


# --- packs ---------------------------------------------------------------------------------------------


def extract_baseline(revision: str, work: Path) -> Path:
    """The pack as it was at `revision` (git archive), with the companyos it imported then: the same run measures
    the pack before and after a change. Its manifest names ../../.venv, linked to this checkout's venv; its
    __main__.py is prefixed to import the archived companyos before the one installed there."""
    target = work / "baseline"
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "policypacks/paved-road", "companyos"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(
            f"--baseline {revision}: git archive failed ({archive.stderr.decode().strip()}); a "
            "checkout with history is needed (a fresh clone has it)"
        )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    (target / ".venv").symlink_to(ROOT / ".venv")
    main = target / "policypacks" / "paved-road" / "__main__.py"
    main.write_text(
        f"import sys\nsys.path.insert(0, {str(target)!r})  # the archived companyos first\n"
        + main.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return target / "policypacks" / "paved-road"


def write_floor_pack(directory: Path, names: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "PulumiPolicy.yaml").write_text(
        "name: sdk-floor\nruntime: python\nversion: 0.0.1\ndescription: no-op policies (benchmarks/bench_gate.py)\n"
    )
    (directory / "__main__.py").write_text(FLOOR_MAIN)
    (directory / "policies.json").write_text(json.dumps(names))
    return directory


@dataclass
class InProcessPack:
    """A pack's Analyzer servicer, built by running its __main__.py with PolicyPack captured, and configured."""

    servicer: Any
    resource_policies: list[str]

    @staticmethod
    def load(pack: Path, overrides: dict[str, Any], only: set[str] | None = None) -> InProcessPack:
        import pulumi_policy
        from pulumi_policy.policy import _PolicyAnalyzerServicer

        from companyos.policy_gate.analyzer_client import configure_request
        from companyos.policy_gate.engine_service import EngineServer
        from companyos.policy_gate.policy_config import declarations_from_info, effective_config

        captured: dict[str, Any] = {}
        sys.path.insert(0, str(pack))
        # The argv and engine of the shim (`python -m pulumi.policy <engine> .`): a pack may read or dial them.
        with (
            EngineServer() as engine,
            mock.patch.object(sys, "argv", ["pulumi.policy", engine.address, "."]),
            mock.patch.object(pulumi_policy, "PolicyPack", lambda **kwargs: captured.update(kwargs)),
        ):
            runpy.run_path(str(pack / "__main__.py"), run_name="__main__")
        policies = [p for p in captured["policies"] if only is None or p.name in only]
        servicer = _PolicyAnalyzerServicer(
            captured["name"],
            "0.0.1",
            policies,
            captured.get("enforcement_level") or pulumi_policy.EnforcementLevel.ADVISORY,
            captured.get("initial_config"),
        )
        info = servicer.GetAnalyzerInfo(None, None)
        names = {p.name for p in policies}
        effective = effective_config(
            declarations_from_info(info),
            info.initialConfig,
            {k: v for k, v in overrides.items() if k in names},
            source="bench",
        )
        servicer.Configure(configure_request(effective), None)
        return InProcessPack(
            servicer, [p.name for p in policies if isinstance(p, pulumi_policy.ResourceValidationPolicy)]
        )

    def analyze(self, requests: list[Any]) -> tuple[float, list[set[str]]]:
        """(ms/resource, the names of the policies each resource violated)."""
        started = time.perf_counter()
        responses = [self.servicer.Analyze(request, None) for request in requests]
        elapsed = time.perf_counter() - started
        return elapsed * 1000 / len(requests), [{d.policyName for d in r.diagnostics} for r in responses]


def analyze_requests(resources: list[Any]) -> list[Any]:
    from pulumi.runtime.proto import analyzer_pb2

    return [
        analyzer_pb2.AnalyzeRequest(
            type=r.type,
            urn=r.urn,
            name=r.name,
            properties=r.inputs_struct,
            options=analyzer_pb2.AnalyzerResourceOptions(parent=r.parent),
        )
        for r in resources
    ]


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


# --- part 1 --------------------------------------------------------------------------------------------


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


# --- part 2 --------------------------------------------------------------------------------------------


def whole_preview(size: int, pack: Path, overrides: dict[str, Any], *, real: bool = False) -> dict[str, Any]:
    """`real`: the pack is the paved-road pack (at another revision): give it the same config as the current one."""
    with tempfile.TemporaryDirectory() as temp:
        catalog, releases, public_pem = write_synthetic_catalog(Path(temp), size)
        config = Path(temp) / "policy-config.json"
        settings = with_trusted_key(overrides, pack, public_pem, pack if real else None)
        config.write_text(json.dumps(settings))
        exceptions = baseline_exceptions(Path(temp) / "exceptions.yaml", settings, size) if real else ""
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                str(ROOT),
                str(catalog),
                str(releases),
                str(pack),
                str(config),
                str(exceptions),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=3600,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"size {size} failed: {done.stderr[-2000:]}")
    sample = json.loads(done.stdout.strip().splitlines()[-1])
    if sample["error"]:
        raise SystemExit(f"size {size}: the gate could not run: {sample['error']}")
    return {"stanzas": size, **sample, "rss_mb": sample["self_rss_mb"] + sample["pack_rss_mb"]}


# --- figures -------------------------------------------------------------------------------------------


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


# --- output --------------------------------------------------------------------------------------------


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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,500", help="stanza counts for part 2 ('' skips it)")
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each per-resource figure")
    parser.add_argument("--preview-repeats", type=int, default=1, help="runs of each preview size")
    parser.add_argument(
        "--pack", type=Path, default=REAL_PACK if (REAL_PACK / "PulumiPolicy.yaml").exists() else TEST_PACK
    )
    parser.add_argument("--policy-pack-config", type=Path, help="--policy-pack-config for the pack (JSON)")
    parser.add_argument("--json", type=Path, help="write the figures here (benchmarks/results.py)")
    parser.add_argument("--baseline", help="git revision of the pack to measure beside this one (same run)")
    args = parser.parse_args()
    overrides = json.loads(args.policy_pack_config.read_text()) if args.policy_pack_config else {}
    started = time.perf_counter()
    print(f"pack: {args.pack}; load average at start {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")

    with tempfile.TemporaryDirectory() as temp:
        baseline = extract_baseline(args.baseline, Path(temp)) if args.baseline else None
        resources, public_pem = program_resources(args.resources, Path(temp))
        measured = per_resource(
            args.pack,
            resources,
            with_trusted_key(overrides, args.pack, public_pem, baseline),
            args.repeats,
            Path(temp),
            baseline,
        )
        print_per_resource(measured)
        figures = resource_figures(measured)

        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        rows = [whole_preview(size, args.pack, overrides) for size in sizes for _ in range(args.preview_repeats)]
        before = (
            [whole_preview(BASELINE_SIZE, baseline, overrides, real=True) for _ in range(args.preview_repeats)]
            if baseline is not None and BASELINE_SIZE in sizes
            else []
        )
    if rows:
        print_previews(rows)
        figures += preview_figures(rows)
        if before:
            print("  the pack before (--baseline):")
            print_previews(before)
            figures.append(baseline_figure(rows, before))
        for figure in figures:
            if figure.group == GROUP_PREVIEW and figure.goal:
                print(
                    f"  {figure.name}: {figure.median:.2f} {figure.unit} (goal {figure.goal}: "
                    f"{'met' if figure.goal_met else 'NOT met'})"
                )
    print(f"\nbench_gate took {time.perf_counter() - started:.0f} s; load average at end {os.getloadavg()[0]:.1f}")
    if args.json:
        write_figures(args.json, "bench_gate", figures)
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
