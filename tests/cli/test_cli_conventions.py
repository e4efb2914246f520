"""The CLI's conventions, for every command: no traceback from any working directory, `--json` and `-` put clean
data on stdout (the person's lines go to stderr), an unknown command gets "did you mean", output options have one
name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from companyos.cli import cli
from companyos.commands import COMMAND_MODULES
from tests.conftest import REPO_ROOT

COMPANYOS = Path(sys.executable).with_name("companyos")
CATALOG = str(REPO_ROOT / "services.yaml")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPANYOS), *args], cwd=cwd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


def leaf_commands() -> list[list[str]]:
    """Every runnable command path, group sub-commands included (`obs up`, `scan ingest`, ...)."""
    found: list[list[str]] = []
    ctx = click.Context(cli)
    for name in COMMAND_MODULES:
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            found += [[name, sub] for sub in command.list_commands(ctx)]
        else:
            found.append([name])
    return found


def command_at(path: list[str]) -> click.Command:
    ctx = click.Context(cli)
    command = cli.get_command(ctx, path[0])
    if isinstance(command, click.Group):
        command = command.get_command(ctx, path[1])
    assert command is not None, path
    return command


@pytest.mark.parametrize("path", leaf_commands(), ids=" ".join)
def test_no_command_prints_a_traceback_from_an_empty_directory(path: list[str], tmp_path: Path) -> None:
    # With no arguments, each command is run where nothing it expects exists (no services.yaml, no Pulumi.yaml).
    done = run(*path, cwd=tmp_path)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    assert done.returncode in (0, 1, 2), (done.returncode, done.stderr[-500:])
    assert run(*path, "--help", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ["graph", "--catalog", CATALOG],
        ["preview", "--catalog", CATALOG],
        ["validate", "--catalog", CATALOG],
        ["release", "hello-prod", "--local", "--catalog", "/nonexistent/services.yaml"],
    ],
    ids=lambda a: a[0],
)
def test_commands_given_a_catalogue_elsewhere_fail_cleanly_or_work_from_any_directory(
    args: list[str], tmp_path: Path
) -> None:
    done = run(*args, cwd=tmp_path)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]
    assert done.returncode in (0, 2), done.stderr[-800:]
    if args[0] in ("graph", "preview"):  # they need the Pulumi project: the error says where to run
        assert done.returncode == 2 and "Pulumi.yaml" in done.stderr, done.stderr


def test_json_on_stdout_is_clean_data_and_the_human_lines_go_to_stderr(tmp_path: Path) -> None:
    validated = run("validate", "--catalog", CATALOG, "--json", cwd=tmp_path)
    assert validated.returncode == 0
    assert [s["name"] for s in json.loads(validated.stdout)["services"]] == ["hello-prod"]
    assert "service(s) valid" in validated.stderr
    graph = run("graph", "--catalog", CATALOG, "--project-dir", str(REPO_ROOT), "--json", "-", cwd=tmp_path)
    assert graph.returncode == 0, graph.stderr
    resources = json.loads(graph.stdout)["resources"]
    assert any(r["type"] == "paved-road:index:PavedRoadService" for r in resources)
    assert "resources," in graph.stderr


def test_a_dash_writes_a_file_option_to_stdout(tmp_path: Path) -> None:
    done = run("scan", "ingest", "--out", "-", cwd=tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout)["status"] == "not-scanned"
    assert not (tmp_path / "-").exists() and "not-scanned" in done.stderr
    slo = run("slo", "rules", "--catalog", CATALOG, "--service", "hello-prod", "--out", "-", cwd=tmp_path)
    assert slo.returncode == 0 and "groups:" in slo.stdout and not (tmp_path / "-").exists()


def test_an_unknown_command_gets_did_you_mean(tmp_path: Path) -> None:
    done = run("verfy", cwd=tmp_path)
    assert done.returncode == 2 and "Did you mean" in done.stderr and "verify" in done.stderr


def test_output_options_have_one_name() -> None:
    """Files and folders a command writes are `--out` (`--output` / `--out-dir` survive only as aliases of it);
    data is `--json`; `--output-key-prefix` is cosign's own flag, kept for cosign users."""
    outputs = 0
    for path in leaf_commands():
        for param in command_at(path).params:
            written = [o for o in param.opts if o in ("--out", "--output", "--out-dir")]
            if written:
                outputs += 1
                assert param.opts[0] == "--out", (path, param.opts)
    assert outputs >= 12


def test_the_readmes_exit_code_table_lists_every_command_and_which_take_json() -> None:
    text = (REPO_ROOT / "README.md").read_text()
    table = text.split("### Exit codes and output", 1)[1].split("\n\n", 3)[2]
    rows = [line.split("|")[1:4] for line in table.splitlines()[2:] if line.startswith("| `")]
    listed = " ".join(row[0] for row in rows)
    for name in COMMAND_MODULES:
        assert f"`{name}" in listed or f" {name}" in listed or f"`{name} " in listed, f"{name} missing"
    for path in leaf_commands():
        takes_json = any("--json" in param.opts for param in command_at(path).params)
        row = next(r for r in rows if f"`{path[0]}" in r[0] or f" {path[0]}" in r[0])
        says_json = f"{path[1]} --json" in row[2] if len(path) == 2 else "--json" in row[2]
        assert takes_json == says_json, (path, row)
