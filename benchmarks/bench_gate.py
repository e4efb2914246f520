"""Cost of the policy gate: per resource (in-process vs over gRPC), and whole preview+gate by catalogue size.

Run: .venv/bin/python benchmarks/bench_gate.py [--sizes 1,10,100,500] [--resources 1000] [--pack DIR]
       [--policy-pack-config FILE]
Part 1 takes ~1000 real resources (the program under mocks, synthetic catalogue) and times (a) the pack's own
Analyze handler called in-process (PolicyPack captured instead of served: deserialize + every policy), and
(b) the same requests over gRPC through run_gate (one channel, one Analyze per resource, as the engine does).
Part 2 runs `run_preview` (program + gate) in a fresh interpreter per size: wall time, the gate process's
peak RSS and the pack process's peak RSS (it is a child, reaped before the size ends). Prints tables; the
goals (<= 0.5 ms/resource over gRPC; 100 stanzas <= 6 s and <= 250 MB; t(500)/t(100) <= 5.5) are shown
next to the figures, not asserted.
"""

from __future__ import annotations

import argparse
import json
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic_catalog import write_synthetic_catalog

REAL_PACK = ROOT / "policypacks" / "paved-road"
TEST_PACK = ROOT / "tests" / "policy_gate" / "packs" / "basic"
RESOURCES_PER_STANZA = 26  # a released stanza (tests/program/test_program.py EXPECTED_TYPES_PER_SERVICE)

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from pathlib import Path
from companyos.policy_gate.preview import PreviewOptions, run_preview
root, catalog, releases, pack, config = sys.argv[1:6]
result = run_preview(PreviewOptions(project_dir=Path(root), catalog=Path(catalog), releases_dir=Path(releases),
                                    pack_dir=Path(pack), policy_config=Path(config) if config else None,
                                    stack="bench", timeout_s=600))
wall = time.perf_counter() - started
print(json.dumps({"wall_s": wall, "verdict": result.verdict, "error": result.error,
                  "resources": result.resource_count, "durations_ms": result.durations_ms,
                  "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "pack_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def with_trusted_key(overrides: dict[str, Any], pack: Path, public_pem: bytes) -> dict[str, Any]:
    """The real pack verifies signatures: trust the synthetic catalogue's key so the gate judges a valid release."""
    if pack.resolve() != REAL_PACK.resolve():
        return overrides
    return {"pull-request-governance-labels": {"labels": ["risk:medium", "data-classification:internal"],
                                               "source": "pull_request"},
            **overrides, "image-signature-verified": {"trusted_public_keys": [public_pem.decode()]}}


def program_resources(count: int, work: Path) -> tuple[list[Any], bytes]:
    from companyos.mock_run import run_program

    stanzas = -(-count // RESOURCES_PER_STANZA)
    catalog, releases, public_pem = write_synthetic_catalog(work, stanzas)
    run = run_program(ROOT, stack="bench", config={"paved-road:catalog": str(catalog),
                                                   "paved-road:releasesDir": str(releases)})
    if run.error:
        raise SystemExit(f"the program failed: {run.error}")
    return run.resources[:count], public_pem


def in_process_ms(pack: Path, resources: list[Any], overrides: dict[str, Any]) -> float:
    """ms/resource of the pack's own Analyze handler, called directly (no gRPC, no process boundary)."""
    import pulumi_policy
    from pulumi.runtime.proto import analyzer_pb2
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    from companyos.policy_gate.analyzer_client import configure_request
    from companyos.policy_gate.engine_service import EngineServer
    from companyos.policy_gate.policy_config import declarations_from_info, effective_config

    captured: dict[str, Any] = {}
    sys.path.insert(0, str(pack))
    # The argv and engine of the shim (`python -m pulumi.policy <engine> .`): a pack may read or dial them.
    with EngineServer() as engine, mock.patch.object(sys, "argv", ["pulumi.policy", engine.address, "."]), \
            mock.patch.object(pulumi_policy, "PolicyPack", lambda **kwargs: captured.update(kwargs)):
        runpy.run_path(str(pack / "__main__.py"), run_name="__main__")
    servicer = _PolicyAnalyzerServicer(
        captured["name"], "0.0.1", captured["policies"],
        captured.get("enforcement_level") or pulumi_policy.EnforcementLevel.ADVISORY, captured.get("initial_config"))
    info = servicer.GetAnalyzerInfo(None, None)
    effective = effective_config(declarations_from_info(info), info.initialConfig, overrides, source="bench")
    servicer.Configure(configure_request(effective), None)
    requests = [analyzer_pb2.AnalyzeRequest(type=r.type, urn=r.urn, name=r.name, properties=r.inputs_struct,
                                            options=analyzer_pb2.AnalyzerResourceOptions(parent=r.parent))
                for r in resources]
    started = time.perf_counter()
    for request in requests:
        servicer.Analyze(request, None)
    return (time.perf_counter() - started) * 1000 / len(requests)


def grpc_ms(pack: Path, resources: list[Any], overrides: dict[str, Any]) -> tuple[float, dict[str, float], str]:
    from companyos.policy_gate import run_gate

    result = run_gate(resources, pack, overrides, project="paved-road", stack="bench", timeout_s=600)
    if result.error:
        raise SystemExit(f"the gate could not run: {result.error}")
    return result.durations_ms["analyze"] / len(resources), result.durations_ms, result.verdict


def whole_preview(size: int, pack: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as temp:
        catalog, releases, public_pem = write_synthetic_catalog(Path(temp), size)
        config = Path(temp) / "policy-config.json"
        config.write_text(json.dumps(with_trusted_key(overrides, pack, public_pem)))
        done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(catalog), str(releases), str(pack),
                               str(config)], capture_output=True, text=True, cwd=ROOT, timeout=3600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"size {size} failed: {done.stderr[-2000:]}")
    sample = json.loads(done.stdout.strip().splitlines()[-1])
    if sample["error"]:
        raise SystemExit(f"size {size}: the gate could not run: {sample['error']}")
    return {"stanzas": size, **sample}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,500")
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--pack", type=Path, default=REAL_PACK if (REAL_PACK / "PulumiPolicy.yaml").exists()
                        else TEST_PACK)
    parser.add_argument("--policy-pack-config", type=Path, help="--policy-pack-config for the pack (JSON)")
    args = parser.parse_args()
    overrides = json.loads(args.policy_pack_config.read_text()) if args.policy_pack_config else {}
    print(f"pack: {args.pack}")

    with tempfile.TemporaryDirectory() as temp:
        resources, public_pem = program_resources(args.resources, Path(temp))
        trusted = with_trusted_key(overrides, args.pack, public_pem)
        per_grpc, durations, verdict = grpc_ms(args.pack, resources, trusted)
        per_local = in_process_ms(args.pack, resources, trusted)
    print(f"\nPart 1: gate cost per resource, {len(resources)} program resources (verdict {verdict})")
    print(f"  in-process (pack's Analyze handler, no gRPC): {per_local:.3f} ms/resource")
    print(f"  over gRPC (one channel, Analyze per resource): {per_grpc:.3f} ms/resource   goal <= 0.5")
    print(f"  pack start {durations['pack_start']:.0f} ms, configure {durations['configure']:.0f} ms, "
          f"AnalyzeStack {durations['analyze_stack']:.0f} ms")

    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [whole_preview(size, args.pack, overrides) for size in sizes]
    print("\nPart 2: whole preview + gate (fresh interpreter per size)")
    print(f"{'stanzas':>8} {'resources':>10} {'wall s':>8} {'program s':>10} {'gate s':>8} {'analyze ms/r':>13} "
          f"{'gate RSS MB':>12} {'pack RSS MB':>12} {'verdict':>8}")
    for row in rows:
        d = row["durations_ms"]
        print(f"{row['stanzas']:>8} {row['resources']:>10} {row['wall_s']:>8.2f} {d['program'] / 1000:>10.2f} "
              f"{d['gate_total'] / 1000:>8.2f} {d['analyze'] / row['resources']:>13.3f} {row['self_rss_mb']:>12.0f} "
              f"{row['pack_rss_mb']:>12.0f} {row['verdict']:>8}")
    by_size = {row["stanzas"]: row for row in rows}
    if 100 in by_size:
        row = by_size[100]
        print(f"\n100 stanzas: {row['wall_s']:.2f} s (goal <= 6), gate process {row['self_rss_mb']:.0f} MB + pack "
              f"{row['pack_rss_mb']:.0f} MB = {row['self_rss_mb'] + row['pack_rss_mb']:.0f} MB (goal <= 250)")
    if 100 in by_size and 500 in by_size:
        ratio = by_size[500]["wall_s"] / by_size[100]["wall_s"]
        print(f"t(500)/t(100) = {ratio:.2f} (goal <= 5.5; linear = 5.0)")
    print(f"\nmedian analyze ms/resource over sizes: "
          f"{statistics.median(r['durations_ms']['analyze'] / r['resources'] for r in rows):.3f}")


if __name__ == "__main__":
    main()
