"""Run stages in order with a progress line each; the first failure stops the run (fail-closed)."""

from __future__ import annotations

import subprocess
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from companyos.contracts.errors import UserError
from companyos.evidence.model import Stage
from companyos.release.state import ReleaseState, StageFailed, Waived
from companyos.support.progress import progress, run_tool


@dataclass
class StageContext:
    """What every stage may read and write: the release's folders and the state earlier stages left."""

    service: str
    version: str
    work: Path
    out: Path
    console: Console
    state: ReleaseState

    def note(self, log: str, text: str) -> None:
        """Keep what an in-process step did in out/logs/<log>.log, as a tool's output is kept."""
        path = self.out / "logs" / f"{log}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text.rstrip("\n") + "\n")

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        log: str,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """Run a tool, its output kept in out/logs/<log>.log; a non-zero exit fails the stage with its tail."""
        logs = self.out / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        try:
            done = run_tool(argv, cwd=cwd, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StageFailed(f"`{' '.join(argv[:3])} ...` did not finish within {timeout:.0f} s") from None
        except FileNotFoundError:
            raise StageFailed(f"`{argv[0]}` is not installed (run `make setup`)") from None
        (logs / f"{log}.log").write_text(f"$ {' '.join(argv)}\n{done.stdout}\n{done.stderr}", encoding="utf-8")
        if done.returncode != 0:
            tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-6:]
            raise StageFailed(f"`{' '.join(argv[:3])} ...` exited {done.returncode}: " + " | ".join(tail))
        return done


StageFunction = Callable[[StageContext], "str | Waived"]
"""Does the work; returns the artefact it produced (a path relative to the release folder, or a value), or Waived
when it did not run its check under a reviewed exception."""


@dataclass(frozen=True)
class StageSpec:
    name: str
    run: StageFunction
    ci_job: str | None
    """The job of the service's CI workflow that runs this stage (None: local-only stage)."""
    command: str
    """The command the stage runs, as the workflow runs it (one stage list for local and CI)."""


def run_stages(stages: Sequence[StageSpec], context: StageContext) -> tuple[list[Stage], StageFailed | None]:
    results: list[Stage] = []
    for index, stage in enumerate(stages):
        started = time.perf_counter()
        context.console.print(f"[bold]▶ {stage.name}[/] [dim]{stage.command}[/]")
        try:
            with progress(f"{stage.name}: {stage.command}"):
                artefact = stage.run(context)
        except (StageFailed, UserError, Exception) as failure:  # noqa: BLE001 (any failure stops the release)
            elapsed = time.perf_counter() - started
            message = str(failure)
            if not isinstance(failure, (StageFailed, UserError)):
                # A defect, not a finding: the evidence names it and the traceback goes to the stage's log.
                trace = context.out / "logs" / f"{stage.name}.traceback"
                trace.parent.mkdir(parents=True, exist_ok=True)
                trace.write_text("".join(traceback.format_exception(failure)))
                message = f"internal error {type(failure).__name__}: {failure} (traceback: logs/{trace.name})"
            results.append(Stage(stage.name, "failed", elapsed, "", message))
            results += [Stage(s.name, "not-run") for s in stages[index + 1 :]]
            context.console.print(f"[red]✗ {stage.name}[/] {elapsed:.1f} s: {message}")
            return results, failure if isinstance(failure, StageFailed) else StageFailed(message)
        elapsed = time.perf_counter() - started
        if isinstance(artefact, Waived):
            results.append(Stage(stage.name, "waived", elapsed, artefact.artefact, artefact.why))
            context.console.print(f"[yellow]~ {stage.name}[/] {elapsed:.1f} s  {artefact.artefact}: {artefact.why}")
            continue
        results.append(Stage(stage.name, "passed", elapsed, artefact))
        context.console.print(f"[green]✓ {stage.name}[/] {elapsed:.1f} s  {artefact}")
    return results, None
