"""Run a CrossGuard pack over the program's resources exactly as `pulumi preview --policy-pack` would.

Fail-closed: anything that keeps a policy from judging every resource (pack does not start, an RPC fails, a
policy raises, the config is invalid, a mandatory policy cannot see a value, nothing to analyse, every
policy disabled) ends the run with verdict `error` (exit 2), never with `passed`. This module owns the pack's
process and the session around it; what one run says to the pack and records of its answers is gate_run.py."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from companyos.contracts.errors import UserError
from companyos.policy_gate.analyzer_client import AnalyzerClient, AnalyzerRpcError
from companyos.policy_gate.engine_service import EngineServer
from companyos.policy_gate.exceptions import FILE_NAME as EXCEPTIONS_FILE_NAME
from companyos.policy_gate.gate_run import GateRun
from companyos.policy_gate.model import GateResult
from companyos.policy_gate.pack_process import (
    PackManifest,
    PackProcess,
    pack_environment,
    read_manifest,
)
from companyos.policy_gate.resources import as_recorded, inventory
from companyos.preview.program_run import RecordedResource

DEFAULT_TIMEOUT_S = 30.0
# A catalogue stanza's component: the services a weakening of the config applies to (exceptions are scoped by them).
PAVED_ROAD_SERVICE = "paved-road:index:PavedRoadService"


def run_gate(
    resources: Iterable[RecordedResource | Mapping[str, Any]],
    pack_dir: str | Path,
    config: Mapping[str, Any] | None = None,
    *,
    project: str,
    stack: str,
    dry_run: bool = True,
    organization: str = "organization",
    stack_config: Mapping[str, str] | None = None,
    config_source: str = "policy config",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    python: str | None = None,
    tags: Mapping[str, str] | None = None,
    exceptions_file: Path | None = None,
) -> GateResult:
    """Start the pack in `pack_dir`, configure every policy (`config` in --policy-pack-config format, named
    `config_source` in errors), Analyze each resource, AnalyzeStack once, stop the pack. Never raises a
    UserError: a gate that could not run returns verdict `error` with `.error` saying why."""
    session = GateSession(
        pack_dir,
        project=project,
        stack=stack,
        dry_run=dry_run,
        organization=organization,
        stack_config=stack_config,
        timeout_s=timeout_s,
        python=python,
        tags=tags,
        exceptions_file=exceptions_file,
    )
    try:
        session.start()
    except UserError as error:
        return session.failed(str(error), resources)
    with session:
        return session.run(resources, config, config_source=config_source)


class GateSession:
    """One pack process for several gate runs (each: Configure, Analyze per resource, AnalyzeStack).

    `start()` spawns the pack and returns at once, so the caller can run the program meanwhile; the first
    `run()` waits for the port and handshakes. Use as a context manager: the pack and engine stop on exit."""

    def __init__(
        self,
        pack_dir: str | Path,
        *,
        project: str,
        stack: str,
        dry_run: bool = True,
        organization: str = "organization",
        stack_config: Mapping[str, str] | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        python: str | None = None,
        tags: Mapping[str, str] | None = None,
        exceptions_file: Path | None = None,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        # The pack's own exceptions file (platform-owned, beside PulumiPolicy.yaml) unless one is given.
        default = self.pack_dir / EXCEPTIONS_FILE_NAME
        self.exceptions_file = exceptions_file or (default if default.is_file() else None)
        self.project, self.stack, self.dry_run, self.organization = project, stack, dry_run, organization
        self.stack_config = dict(stack_config or {})
        self.timeout_s, self.python, self.tags = timeout_s, python, dict(tags or {})
        self.manifest: PackManifest | None = None
        self._engine: EngineServer | None = None
        self._pack: PackProcess | None = None
        self._client: AnalyzerClient | None = None

    def start(self) -> GateSession:
        if self._pack is None:
            self.manifest = read_manifest(self.pack_dir)
            self._engine = EngineServer().__enter__()
            env = pack_environment(
                project=self.project,
                stack=self.stack,
                organization=self.organization,
                dry_run=self.dry_run,
                config=self.stack_config,
                exceptions_file=self.exceptions_file,
            )
            self._pack = PackProcess(
                self.manifest, self._engine.address, env, timeout_s=self.timeout_s, python=self.python
            )
            try:
                self._pack.start()
            except UserError:
                self.close()
                raise
        return self

    def __enter__(self) -> GateSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._pack is not None:
            self._pack.__exit__(None, None, None)
        if self._engine is not None:
            self._engine.__exit__(None, None, None)
        self._client = self._pack = self._engine = None

    def failed(self, error: str, resources: Iterable[Any] = ()) -> GateResult:
        """A result with verdict `error`, for a run that ended before the pack could judge anything."""
        result = self._new_result()
        result.error = error
        result.resource_types = Counter(
            r["type"] if isinstance(r, Mapping) else r.type
            for r in resources
            if isinstance(r, (Mapping, RecordedResource))
        )
        return result

    def _new_result(self) -> GateResult:
        result = GateResult(
            pack_name=self.pack_dir.name,
            pack_version="",
            pack_dir=str(self.pack_dir),
            project=self.project,
            stack=self.stack,
            dry_run=self.dry_run,
        )
        if self.manifest is not None:
            result.pack_name, result.pack_version = self.manifest.name, self.manifest.version
        return result

    def _connect(self, result: GateResult) -> AnalyzerClient:
        assert self._pack is not None and self._engine is not None and self.manifest is not None, "start() first"
        if self._client is None:
            port = self._pack.wait_port()
            result.durations_ms["pack_start"] = self._pack.start_ms
            client = AnalyzerClient(port, timeout_s=self.timeout_s)
            self._client = client
            client.wait_ready()
            client.handshake(self._engine.address, str(self.manifest.directory))
            client.configure_stack(
                project=self.project,
                stack=self.stack,
                organization=self.organization,
                dry_run=self.dry_run,
                config=self.stack_config,
                tags=self.tags,
            )
        return self._client

    def run(
        self,
        resources: Iterable[RecordedResource | Mapping[str, Any]],
        config: Mapping[str, Any] | None = None,
        *,
        config_source: str = "policy config",
    ) -> GateResult:
        """One gate run. Never raises a UserError: verdict `error` with `.error` says why it could not judge."""
        started = time.perf_counter()
        result = self._new_result()
        run = GateRun(result, self.stack_config, self.exceptions_file)
        try:
            recorded = as_recorded(resources, project=self.project, stack=self.stack)
            result.resource_types = Counter(r.type for r in recorded)
            result.by_owner = inventory(recorded)
            if not recorded:
                raise UserError("no resources to analyse: the program registered none, so no policy could judge it")
            if self._pack is None:
                self.start()
            assert self._pack is not None and self._engine is not None
            try:
                client = self._connect(result)
                run.configure(
                    client, config or {}, config_source, [r.name for r in recorded if r.type == PAVED_ROAD_SERVICE]
                )
                run.analyze_each(client, recorded)
                run.analyze_stack(client, recorded, dry_run=self.dry_run)
            except AnalyzerRpcError as error:
                exited = self._pack.exited()
                detail = f"the pack exited (code {exited}); " if exited is not None else ""
                raise UserError(f"{error} ({detail}pack stderr: {self._pack.stderr_tail() or '(empty)'})") from None
            finally:
                if self._pack is not None and self._engine is not None:
                    result.logs = self._engine.logs + [f"stdout: {line}" for line in self._pack.stdout_lines()]
                    stderr = self._pack.stderr_tail(lines=50)
                    result.logs += [f"stderr: {line}" for line in stderr.splitlines()] if stderr else []
        except UserError as error:
            result.error = str(error)
        result.durations_ms["gate_total"] = (time.perf_counter() - started) * 1000
        return result
