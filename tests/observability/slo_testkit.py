"""Shared helpers for the SLO tests: catalogue stanzas and a real promtool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from companyos.catalog import LatencySlo, ServiceSpec, Slo, load_catalog

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "services.yaml"


def hello_prod() -> ServiceSpec:
    return load_catalog(CATALOG).service("hello-prod")


def stanza(
    name: str = "svc-a",
    *,
    availability: float = 99.9,
    threshold_ms: int = 300,
    latency: float = 99.0,
    window_days: int = 30,
    template: str = "node-express",
) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        owner="team-x",
        risk="high",
        data_classification="internal",
        template=template,
        slo=Slo(
            availability=availability,
            latency=LatencySlo(threshold_ms=threshold_ms, objective=latency),
            window_days=window_days,
        ),
    )


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed. Fix: apt-get update && apt-get install -y prometheus")
    return path


def run_promtool(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=timeout, check=False)


def write_yaml(path: Path, document: Any) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False, width=10_000), encoding="utf-8")
    return path
