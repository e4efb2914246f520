"""Helpers for the gate tests: the small packs in packs/, Things to feed them, and report validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from companyos.policy_gate import GateResult, run_gate
from companyos.policy_gate.report import SCHEMA_PATH

PACKS = Path(__file__).resolve().parent / "packs"
THING = "test:index:Thing"


def thing(name: str, **props: Any) -> dict[str, Any]:
    """A Thing the basic pack accepts unless a prop says otherwise."""
    return {"type": THING, "name": name, "props": {"owner": "team-a", "size": 3, "scanned": True, **props}}


def gate(pack: str, resources: list[dict[str, Any]], config: dict[str, Any] | None = None, **kwargs: Any) -> GateResult:
    result = run_gate(resources, PACKS / pack, config, project="gate-test", stack="ci", **kwargs)
    assert_valid_report(result.to_report())
    return result


def assert_valid_report(report: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text())).validate(report)
    # The verdict and exit code are consistent with what was found.
    blocking = any(v["level"] == "mandatory" for v in report["violations"])
    expected = "error" if report["error"] else ("blocked" if blocking else "passed")
    assert report["verdict"] == expected
    assert report["exit_code"] == {"passed": 0, "blocked": 1, "error": 2}[expected]


@pytest.fixture
def basic_gate():
    return lambda resources, config=None, **kwargs: gate("basic", resources, config, **kwargs)
