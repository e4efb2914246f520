"""Start a Python CrossGuard pack the way the Pulumi engine does, and read the port it serves on.

The engine runs, in the pack directory, `python -u -m pulumi.policy <engine-address> .` with PULUMI_PROJECT,
PULUMI_STACK, PULUMI_ORGANIZATION, PULUMI_DRY_RUN and PULUMI_CONFIG (JSON) in the environment; `PolicyPack(...)`
then serves the Analyzer service on 127.0.0.1 and prints its port as the FIRST stdout line."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

from companyos.contracts.errors import UserError
from companyos.policy_gate.exceptions import FILE_ENV as EXCEPTIONS_FILE_ENV

MANIFEST = "PulumiPolicy.yaml"
MAX_STDOUT_LINES = 1000
STOP_GRACE_S = 5.0


@dataclass(frozen=True)
class PackManifest:
    directory: Path
    name: str
    version: str
    """The engine takes the version from PulumiPolicy.yaml: the Python SDK always reports 0.0.1."""
    python: str | None = None
    """The interpreter of `runtime.options.virtualenv`, as the engine picks it; None = this interpreter."""


def read_manifest(pack_dir: Path) -> PackManifest:
    path = pack_dir / MANIFEST
    if not path.is_file():
        raise UserError(f"{pack_dir}: no {MANIFEST}; --policy-pack must name a CrossGuard policy pack folder")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UserError(f"{path}: not valid YAML: {error}") from None
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise UserError(f"{path}: runtime is {runtime_name!r}; the gate runs Python packs only (runtime: python)")
    virtualenv = runtime.get("options", {}).get("virtualenv") if isinstance(runtime, dict) else None
    python = None
    if virtualenv:
        python_path = (pack_dir / virtualenv / "bin" / "python").absolute()
        if not python_path.exists():
            raise UserError(
                f"{path}: runtime.options.virtualenv {virtualenv!r} has no {python_path}. Fix: create "
                f"it (python -m venv) and `pip install -r requirements.txt` in the pack folder"
            )
        python = str(python_path)
    return PackManifest(
        directory=pack_dir,
        name=str(data.get("name") or pack_dir.name),
        version=str(data.get("version") or "0.0.1"),
        python=python,
    )


def pack_environment(
    *,
    project: str,
    stack: str,
    organization: str,
    dry_run: bool,
    config: Mapping[str, str],
    exceptions_file: Path | None = None,
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PULUMI_PROJECT=project,
        PULUMI_STACK=stack,
        PULUMI_ORGANIZATION=organization,
        PULUMI_DRY_RUN="true" if dry_run else "false",
        PULUMI_CONFIG=json.dumps(dict(config)),
    )
    # The exceptions the pack honours are the gate's, never one the caller's environment names.
    env.pop(EXCEPTIONS_FILE_ENV, None)
    if exceptions_file is not None:
        env[EXCEPTIONS_FILE_ENV] = str(exceptions_file)
    return env


class PackProcess:
    """Context manager: the running pack. `.port` is its Analyzer port; stops the process (by its pid) on exit."""

    def __init__(
        self,
        manifest: PackManifest,
        engine_address: str,
        env: Mapping[str, str],
        *,
        timeout_s: float,
        python: str | None = None,
    ) -> None:
        self.manifest = manifest
        self._argv = [python or manifest.python or sys.executable, "-u", "-m", "pulumi.policy", engine_address, "."]
        self._env = dict(env)
        self._timeout_s = timeout_s
        self._stderr: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.stdout_after_port: list[str] = []
        self.port = 0
        self.start_ms = 0.0
        self._started = 0.0

    def __enter__(self) -> PackProcess:
        self.start()
        self.wait_port()
        return self

    def start(self) -> None:
        """Spawn the pack; `wait_port()` later (the caller may work meanwhile, as the engine runs the program)."""
        self._started = time.perf_counter()
        self._stderr = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(
                self._argv,
                cwd=self.manifest.directory,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as error:
            self._close()
            raise UserError(f"cannot start the policy pack with {self._argv[0]}: {error.strerror}") from None
        # A reader thread, so a pack that prints after its port never blocks on a full pipe.
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def wait_port(self) -> int:
        if not self.port:
            try:
                self.port = self._await_port()
            except BaseException:
                self.stop()
                self._close()
                raise
            self.start_ms = (time.perf_counter() - self._started) * 1000
        return self.port

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._close()

    def _close(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _read_stdout(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            self._lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self._lines.put(None)

    def _await_port(self) -> int:
        where = f"policy pack {self.manifest.directory}"
        try:
            first = self._lines.get(timeout=self._timeout_s)
        except queue.Empty:
            raise UserError(
                f"{where} did not print its port within {self._timeout_s:g} s. Fix: its __main__.py "
                f"must construct PolicyPack(...) (which serves and prints the port); "
                f"stderr: {self.stderr_tail() or '(empty)'}"
            ) from None
        if first is None:
            code = self._process.wait(timeout=STOP_GRACE_S) if self._process else None
            raise UserError(
                f"{where} exited (code {code}) without serving. Fix: __main__.py must import cleanly and "
                f"construct PolicyPack(...); stderr: {self.stderr_tail() or '(empty)'}"
            )
        if not first.strip().isdigit():
            raise UserError(
                f"{where} printed {first[:200]!r} before its port: the engine reads the port from the "
                f"first stdout line. Fix: print nothing to stdout before PolicyPack(...) "
                f"(log to stderr or with pulumi.log)"
            )
        return int(first.strip())

    def stdout_lines(self) -> list[str]:
        """Lines the pack printed after its port (bounded)."""
        while len(self.stdout_after_port) < MAX_STDOUT_LINES:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.stdout_after_port.append(line)
        return list(self.stdout_after_port)

    def stderr_tail(self, lines: int = 15) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip()
        return "\n".join(text.splitlines()[-lines:])

    def exited(self) -> int | None:
        return self._process.poll() if self._process else None

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_GRACE_S)
