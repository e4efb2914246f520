"""The packs the gate benchmark measures: the paved-road pack (here or at a baseline revision), the SDK floor
(as many no-op resource policies as the measured pack has), and any pack loaded in-process."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
REAL_PACK = ROOT / "policypacks" / "paved-road"
TEST_PACK = ROOT / "tests" / "policy_gate" / "packs" / "basic"

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
