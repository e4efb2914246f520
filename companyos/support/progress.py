"""Live progress on stderr for steps that take more than a moment: a spinner, the elapsed time and the running
tool's latest output line (rich). Quiet when stderr is not a terminal, so logs and CI output stay clean.

`progress(label)` opens a step; `run_tool(argv, ...)` runs a tool, streaming its lines into the open step (if any)
while keeping its whole output for errors, so library code reports progress without knowing who is watching."""

from __future__ import annotations

import contextvars
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner

# Steps shorter than this show nothing (the issue: "every step longer than 2 s").
SHOW_AFTER_S = 2.0
MAX_LINE = 100


class Step:
    """One step on screen: its label, when it started, and the latest line a tool printed."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.latest = ""
        self._spinner = Spinner("dots", style="cyan")

    def update(self, line: str) -> None:
        text = line.strip()
        if text:
            self.latest = text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"

    def text(self) -> str:
        elapsed = time.monotonic() - self.started
        return f"{self.label} [dim]{elapsed:.0f} s[/]" + (f"  [dim]{self.latest}[/]" if self.latest else "")

    def __rich__(self) -> RenderableType:
        self._spinner.update(text=self.text())
        return self._spinner


_current: contextvars.ContextVar[Step | None] = contextvars.ContextVar("companyos_progress", default=None)


def report(line: str) -> None:
    """Show `line` as the open step's latest output (no-op when no step is open)."""
    step = _current.get()
    if step is not None:
        step.update(line)


@contextmanager
def progress(label: str, console: Console | None = None) -> Iterator[Step]:
    """A step on stderr with a spinner, elapsed time and latest line, shown after SHOW_AFTER_S on a terminal."""
    console = console or Console(stderr=True)
    step = Step(label)
    token = _current.set(step)
    if not console.is_terminal:  # logs and CI: the step still collects lines for run_tool, nothing is drawn
        try:
            yield step
        finally:
            _current.reset(token)
        return
    live: Live | None = None
    stop = threading.Event()

    def show_when_slow() -> None:
        nonlocal live
        if not stop.wait(SHOW_AFTER_S):
            live = Live(step, console=console, refresh_per_second=4, transient=True)
            live.start()

    timer = threading.Thread(target=show_when_slow, daemon=True)
    timer.start()
    try:
        yield step
    finally:
        stop.set()
        timer.join()
        if live is not None:
            live.stop()
        _current.reset(token)


def run_tool(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """subprocess.run(argv, capture_output=True, text=True), with each output line also shown as the open step's
    latest line. Raises subprocess.TimeoutExpired (after killing the tool) as subprocess.run does."""
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    stdout: list[str] = []
    stderr: list[str] = []
    step = _current.get()

    def pump(stream: object, sink: list[str]) -> None:
        for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
            sink.append(line)
            if step is not None:
                step.update(line)

    readers = [
        threading.Thread(target=pump, args=(process.stdout, stdout), daemon=True),
        threading.Thread(target=pump, args=(process.stderr, stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    finally:
        for reader in readers:
            reader.join(timeout=5)
    return subprocess.CompletedProcess(list(argv), returncode, "".join(stdout), "".join(stderr))
