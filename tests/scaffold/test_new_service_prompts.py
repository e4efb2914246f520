"""`companyos new-service NAME` alone: on a terminal it asks for owner, risk and data classification (defaults
shown); off a terminal a missing owner is exit 2 naming --owner and the slug format, and nothing is written."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import yaml

COMPANYOS = Path(sys.executable).with_name("companyos")


def run_on_a_terminal(args: list[str], answers: str, cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin/stdout, typing `answers`; (exit code, what it showed)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(COMPANYOS), *args], stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=os.environ.copy()
    )
    os.close(follower)
    os.write(leader, answers.encode())
    shown, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the follower side closed: the process is done
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=30), shown.decode(errors="replace")


def test_on_a_terminal_it_asks_for_the_owner_and_shows_the_defaults(workspace: Path) -> None:
    # A bad slug is asked again; empty answers take the shown defaults.
    code, shown = run_on_a_terminal(["new-service", "ledger"], "Team Ledger\nteam-ledger\n\nconfidential\n", workspace)
    assert code == 0, shown
    assert "Owning team (GitHub team slug):" in shown and "is not a GitHub team slug" in shown
    assert "Risk (low, medium, high) [medium]:" in shown
    assert "Data classification (public, internal, confidential, restricted) [internal]:" in shown
    stanza = yaml.safe_load((workspace / "services.yaml").read_text())["services"][-1]
    assert (stanza["name"], stanza["owner"], stanza["risk"], stanza["data_classification"]) == (
        "ledger",
        "team-ledger",
        "medium",
        "confidential",
    )


def test_off_a_terminal_a_missing_owner_is_exit_2_naming_the_flag_and_the_format(workspace: Path) -> None:
    before = (workspace / "services.yaml").read_text()
    done = subprocess.run(
        [str(COMPANYOS), "new-service", "ledger"],
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "--owner is missing" in done.stderr and "lower-case letters, digits, '-' and '_'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (workspace / "ledger").exists() and (workspace / "services.yaml").read_text() == before
