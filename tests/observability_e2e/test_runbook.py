"""The generated runbook: committed copy in sync, one section per alert at its runbook_url anchor, numbers
from the burn-rate data, and every companyos command in it accepted by the real CLI."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from companyos.catalog import load_catalog
from companyos.cli import cli
from companyos.observability import generate_rules
from companyos.observability.runbook import render_runbook, runbook_command_lines
from companyos.observability.windows import load_windows

from .conftest import CATALOG, REPO, SERVICE, run_cli

COMMITTED = REPO / "docs" / "runbooks" / f"{SERVICE}.md"


@pytest.fixture(scope="module")
def runbook() -> str:
    return render_runbook(load_catalog(CATALOG).service(SERVICE))


def github_anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_the_committed_runbook_is_exactly_what_the_generator_writes(runbook: str) -> None:
    assert COMMITTED.read_text(encoding="utf-8") == runbook, (
        f"{COMMITTED} is stale: run `companyos runbook --service {SERVICE} --out {COMMITTED.relative_to(REPO)}`"
    )


def test_the_cli_writes_the_same_runbook(tmp_path: Path, runbook: str) -> None:
    out = tmp_path / "runbook.md"
    result = run_cli("runbook", "--service", SERVICE, "--catalog", str(CATALOG), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == runbook


def test_every_alert_the_slo_rules_generate_has_a_section_at_its_runbook_url_anchor(runbook: str) -> None:
    alerts = [
        rule
        for group in generate_rules(load_catalog(CATALOG).service(SERVICE))["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]
    assert len(alerts) == 4
    anchors = github_anchors(runbook)
    for alert in alerts:
        path, anchor = alert["annotations"]["runbook_url"].split("#")
        assert path == f"docs/runbooks/{SERVICE}.md"
        assert anchor in anchors, alert["alert"]
        assert f"\n## {alert['alert']}\n" in runbook
    # Every in-page link points at a heading that exists.
    assert {link for link in re.findall(r"\]\(#([^)]+)\)", runbook)} <= anchors


def test_the_burn_rates_and_windows_are_those_of_the_data_file(runbook: str) -> None:
    windows = load_windows(load_catalog(CATALOG).service(SERVICE).slo.window_days)
    for w in windows.windows:
        rate = format(w.burn_rate.normalize(), "f")
        assert f"the {w.long} burn rate exceeds {rate} and the {w.short} burn rate too" in runbook
    fast_page = windows.by_severity("page")[0]
    assert f"If the 1h burn rate exceeds {format(fast_page.burn_rate.normalize(), 'f')} (budget burn page)" in runbook


@pytest.mark.parametrize(
    "must_contain",
    [
        "pulumi stack output image_digest --stack hello-prod-dev",
        "pulumi config set paved-road:releaseRecord releases/hello-prod-previous.json --stack hello-prod-dev",
        "pulumi up --stack hello-prod-dev",
        "pulumi stack history --stack hello-prod-dev",
        r"jsonpath={.metadata.annotations.paved-road\.dev/release-version}",
        "](../security/signature-verification-failed.md)",
    ],
)
def test_the_runbook_tells_how_to_find_the_version_roll_back_and_handle_a_bad_signature(
    runbook: str, must_contain: str
) -> None:
    assert must_contain in runbook


def parse_command_line(line: str) -> None:
    """Parse `companyos ...` with the real command's options; click.UsageError on a bad line."""
    argv = shlex.split(line)[1:]
    command: click.Command = cli
    name = "companyos"
    while isinstance(command, click.Group):
        name = argv.pop(0)
        found = command.get_command(click.Context(command), name)
        if found is None:
            raise click.UsageError(f"no such command {name!r} in {line!r}")
        command = found
    command.make_context(name, argv)


def test_every_companyos_command_in_the_runbook_is_accepted_by_the_cli(runbook: str) -> None:
    """The check-deploy and obs status lines also run for real in test_healthy_service."""
    lines = runbook_command_lines(runbook)
    assert len(lines) >= 6
    for line in lines:
        parse_command_line(line)


@pytest.mark.parametrize(
    "bad_line",
    [
        "companyos check-deploy --url http://127.0.0.1:8080",  # --prometheus missing
        "companyos obs up --no-such-flag",
        "companyos no-such-command",
    ],
)
def test_the_command_line_check_refuses_a_line_the_cli_would_refuse(bad_line: str) -> None:
    with pytest.raises(click.UsageError):
        parse_command_line(bad_line)
