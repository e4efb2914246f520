"""Write the gate's JSON report atomically: the evidence pack never reads half a report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from companyos.support.files import atomic_write

SCHEMA_PATH = Path(__file__).with_name("gate-report.schema.json")
"""JSON Schema of the report, for its consumers (the evidence pack); the tests validate every report with it."""


def write_report(report: Mapping[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, json.dumps(report, indent=2, sort_keys=False) + "\n")
