"""Live progress: on a terminal a step longer than SHOW_AFTER_S shows a spinner, its elapsed seconds and the tool's
latest line; off a terminal, or for a short step, nothing; the tool's output is still returned whole."""

from __future__ import annotations

import io
import subprocess
import time

import pytest
from rich.console import Console

from companyos.support import progress as progress_module
from companyos.support.progress import progress, run_tool

SLOW_TOOL = ["bash", "-c", "echo 'resolving packages'; sleep 0.6; echo 'building layer 3/5' >&2; sleep 0.6; echo done"]


def terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=120, color_system=None), buffer


def test_a_slow_step_on_a_terminal_shows_elapsed_time_and_the_tools_latest_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress_module, "SHOW_AFTER_S", 0.2)
    console, screen = terminal()
    with progress("building orders-api", console):
        done = run_tool(SLOW_TOOL)
    shown = screen.getvalue()
    assert "building orders-api" in shown and " s" in shown
    assert "building layer 3/5" in shown  # a stderr line counts as the latest line too
    assert (done.returncode, done.stdout, done.stderr) == (0, "resolving packages\ndone\n", "building layer 3/5\n")


def test_nothing_is_shown_off_a_terminal_or_for_a_short_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "SHOW_AFTER_S", 0.2)
    piped = io.StringIO()
    with progress("building", Console(file=piped, force_terminal=False)):
        run_tool(SLOW_TOOL)
    assert piped.getvalue() == ""
    console, screen = terminal()
    with progress("quick", console):
        time.sleep(0.05)
    assert screen.getvalue() == ""


def test_run_tool_returns_what_subprocess_run_returns_and_kills_on_timeout() -> None:
    failed = run_tool(["bash", "-c", "echo out; echo err >&2; exit 3"])
    assert (failed.returncode, failed.stdout, failed.stderr) == (3, "out\n", "err\n")
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_tool(["sleep", "30"], timeout=0.3)
    assert time.monotonic() - started < 10
