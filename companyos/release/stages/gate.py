"""The governance stage: preview the service's stack and gate it with the policy pack, under the policy config the
CI `policy-gate` job writes, as `companyos preview` does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from companyos.ci_workflow.policy_config import gate_policy_config, labels_from_service_metadata, render
from companyos.contracts.conventions import SERVICE_METADATA_PATH
from companyos.policy_gate import render_summary, write_report
from companyos.policy_gate.preview import DEFAULT_PACK, PreviewOptions, run_preview
from companyos.release.runner import StageContext
from companyos.release.state import StageFailed
from companyos.support.files import atomic_write

PLATFORM_ROOT = Path(__file__).resolve().parents[3]
LOCAL_WAIVER_DAYS = 7


def gate_config(ctx: StageContext) -> Path:
    """The policy config a local release runs with: what CI's policy-gate job writes on push (labels from
    service.yaml, the release key as trusted key) and, only when no scan report was given, the explicit (reported)
    unscanned waiver."""
    config = gate_policy_config(
        labels=labels_from_service_metadata(ctx.state.service_dir / SERVICE_METADATA_PATH),
        source=SERVICE_METADATA_PATH,
        public_keys=[ctx.state.signing_key().public_key.read_text()],
        allow_unscanned=ctx.state.scan_report is None,
    )
    path = ctx.out / "policy-config.json"
    atomic_write(path, render(config).encode())
    return path


def unscanned_waiver(ctx: StageContext) -> tuple[Path, dict[str, object]]:
    """The local release's one weakening, the unscanned waiver, as a reviewed exception: no scanner database is
    reachable offline. Owned by the service's team, approved by the platform, for a week. Written by the scan stage
    that did not scan; the gate runs under it and reports it."""
    expires = (datetime.now(UTC).date() + timedelta(days=LOCAL_WAIVER_DAYS)).isoformat()
    exception: dict[str, object] = {
        "rule": "image-vulnerability-threshold",
        "setting": "allow_unscanned",
        "scope": {"services": [ctx.service]},
        "reason": "local release: no vulnerability database is reachable offline, so the image is not scanned; "
        "CI scans every release it records",
        "owner": ctx.state.spec.owner,
        "approver": "paved-road platform (companyos release --local)",
        "expires": expires,
    }
    path = ctx.out / "policy-exceptions.yaml"
    atomic_write(path, yaml.safe_dump({"exceptions": [exception]}, sort_keys=False).encode())
    return path, exception


def policy_gate(ctx: StageContext) -> str:
    report = ctx.out / "gate-report.json"
    report.unlink(missing_ok=True)
    _, record_path = ctx.state.release_record()
    result = run_preview(
        PreviewOptions(
            project_dir=PLATFORM_ROOT,
            catalog=ctx.state.catalog,
            service=ctx.service,
            pack_dir=PLATFORM_ROOT / DEFAULT_PACK,
            policy_config=gate_config(ctx),
            release=record_path,
            exceptions=ctx.state.waiver,
        )
    )
    ctx.note("policy-gate", render_summary(result))
    write_report(result.to_report(), report)
    ctx.state.gate_report = report
    if result.error is not None:
        raise StageFailed(f"the policy gate could not run: {result.error}")
    blocking = [v for v in result.violations if v.blocking]
    if blocking:
        raise StageFailed(
            f"the policy gate BLOCKED the release ({len(blocking)} mandatory violation(s)): "
            + " | ".join(f"{v.rule}: {v.message}" for v in blocking[:3])
        )
    return "gate-report.json"
