"""Run detect-secrets over a list of files and sort its findings against the repository's exclusion list."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.template.test_template_hygiene import tool

EXCLUSIONS_FILE = ".secrets-scan-exclusions.yaml"
SCAN_TIMEOUT_S = 600


@dataclass(frozen=True)
class Finding:
    file: str
    type: str
    line_number: int
    line: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line_number} [{self.type}] {self.line.strip()[:120]}"


@dataclass(frozen=True)
class Exclusion:
    type: str
    file: str
    reason: str
    line: str | None = None

    def covers(self, finding: Finding) -> bool:
        return (
            finding.type == self.type
            and fnmatch.fnmatchcase(finding.file, self.file)
            and (self.line is None or re.search(self.line, finding.line) is not None)
        )


def load_exclusions(path: Path) -> list[Exclusion]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    exclusions = [Exclusion(**entry) for entry in entries]
    for exclusion in exclusions:
        assert exclusion.reason.strip(), f"{path}: every exclusion says why; {exclusion} does not"
        assert exclusion.file.strip("*/") and exclusion.file not in ("*", "**"), (
            f"{path}: {exclusion} excludes everything"
        )
    return exclusions


def scan(root: Path, files: list[str], processes: int = os.cpu_count() or 1) -> tuple[list[Finding], list[str]]:
    """detect-secrets (its default plugins, no network verification) over `files`, paths relative to `root`:
    (findings, plugins used). The files are split over `processes` scans run side by side (it uses one core)."""
    chunks = [files[start::processes] for start in range(processes) if files[start::processes]]
    running = [
        subprocess.Popen(
            [tool("detect-secrets"), "scan", "--no-verify", *chunk],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for chunk in chunks
    ]
    reports = []
    for process in running:
        stdout, stderr = process.communicate(timeout=SCAN_TIMEOUT_S)
        assert process.returncode == 0, f"detect-secrets failed ({process.returncode}): {stderr[-2000:]}"
        reports.append(json.loads(stdout))
    findings = []
    for file, results in (item for report in reports for item in report["results"].items()):
        lines = (root / file).read_text(encoding="utf-8", errors="replace").splitlines()
        for result in results:
            number = int(result["line_number"])
            findings.append(Finding(file, result["type"], number, lines[number - 1] if number <= len(lines) else ""))
    return findings, sorted({plugin["name"] for report in reports for plugin in report["plugins_used"]})
