"""Docs stay true: commands in them exist (or run), config keys exist, and relative links resolve."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *ROOT.glob("docs/**/*.md")])
# Commands in these docs run for real (they are read-only); elsewhere each is checked against the CLI.
RUN_FOR_REAL = {"docs/catalog.md"}
BASH_BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def commands(doc: Path, program: str) -> list[str]:
    lines = []
    for block in BASH_BLOCK.findall(doc.read_text()):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(program + " "):
                lines.append(line)
    return lines


def project_config_keys() -> set[str]:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    return {f"{project['name']}:{key}" for key in project.get("config", {})}


CASES = [(doc, line) for doc in DOCS for line in commands(doc, "companyos")]


@pytest.mark.parametrize("doc, line", CASES, ids=[f"{d.relative_to(ROOT)}: {text}" for d, text in CASES])
def test_every_companyos_command_in_the_docs_exists_with_its_options(doc, line) -> None:
    argv = shlex.split(line)[1:]
    real = str(doc.relative_to(ROOT)) in RUN_FOR_REAL
    # click parses every option before it honours --help, so an unknown option or command still fails.
    extra = [] if real else ["--help"]
    result = subprocess.run(
        [sys.executable, "-m", "companyos.cli", *argv, *extra], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"


PULUMI_CASES = [(doc, line) for doc in DOCS for line in commands(doc, "pulumi")]


@pytest.mark.parametrize("doc, line", PULUMI_CASES, ids=[f"{d.relative_to(ROOT)}: {text}" for d, text in PULUMI_CASES])
def test_every_paved_road_config_key_a_pulumi_command_sets_is_declared_in_the_project(doc, line) -> None:
    keys = set(re.findall(r"\b(paved-road:[A-Za-z]+)", line))
    assert keys <= project_config_keys(), f"{doc.name}: {line} uses undeclared config {keys - project_config_keys()}"
    stack = re.search(r"pulumi stack (?:init|select) (\S+)", line)
    if stack:
        assert re.fullmatch(r"[a-z][-a-z0-9]*-(dev|staging|prod)", stack.group(1)), "stack names are <service>-<env>"


def prose(doc: Path) -> str:
    """The doc without code blocks and code spans: a regex like `[a-z]([-a-z]*)` is not a link."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", doc.read_text(), flags=re.S))


LINK_CASES = [
    (doc, target)
    for doc in DOCS
    for target, _ in LINK.findall(prose(doc))
    if not target.startswith(("http://", "https://", "mailto:"))
]


@pytest.mark.parametrize("doc, target", LINK_CASES, ids=[f"{d.relative_to(ROOT)} -> {t}" for d, t in LINK_CASES])
def test_every_relative_link_in_the_docs_resolves(doc, target) -> None:
    assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)} links to missing {target}"
