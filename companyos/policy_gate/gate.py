"""Run a CrossGuard pack over the program's resources exactly as `pulumi preview --policy-pack` would.

Fail-closed: anything that keeps a policy from judging every resource (pack does not start, an RPC fails, a
policy raises, the config is invalid, a mandatory policy cannot see a value, nothing to analyse, every
policy disabled) ends the run with verdict `error` (exit 2), never with `passed`."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from companyos.contracts.errors import UserError
from companyos.policy_gate.analyzer_client import AnalyzerClient, AnalyzerRpcError
from companyos.policy_gate.engine_service import EngineServer
from companyos.policy_gate.exceptions import FILE_NAME as EXCEPTIONS_FILE_NAME
from companyos.policy_gate.exceptions import enforce, load_exceptions, stack_services, weakenings
from companyos.policy_gate.model import (
    BLOCKING_LEVELS,
    WAIVER_PREFIX,
    GateResult,
    PolicyState,
    Violation,
    Waiver,
)
from companyos.policy_gate.pack_process import (
    PackManifest,
    PackProcess,
    pack_environment,
    read_manifest,
)
from companyos.policy_gate.policy_config import (
    EffectivePolicyConfig,
    declarations_from_info,
    effective_config,
)
from companyos.policy_gate.resources import as_recorded, inventory, to_struct
from companyos.preview.program_run import RecordedResource

DEFAULT_TIMEOUT_S = 30.0
# The SDK's wording when a policy reads a value unknown at preview (pulumi_policy/policy.py).
UNEVALUATED_PREFIX = "can't run policy '"
# A catalogue stanza's component: the services a weakening of the config applies to (exceptions are scoped by them).
PAVED_ROAD_SERVICE = "paved-road:index:PavedRoadService"
# Analyze calls in flight at once: enough to keep the pack busy while this side prepares the next ones.
PIPELINE_DEPTH = 32


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
        run = _GateRun(result, self.stack_config, self.exceptions_file)
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


class _GateRun:
    """The conversation after the pack is up; fills `result` as it goes."""

    def __init__(
        self, result: GateResult, stack_config: Mapping[str, str] | None = None, exceptions_file: Path | None = None
    ) -> None:
        self.result = result
        self.stack_config = dict(stack_config or {})
        self.exceptions_file = exceptions_file
        self.states: dict[str, PolicyState] = {}
        self.effective: dict[str, EffectivePolicyConfig] = {}
        self.by_urn: dict[str, RecordedResource] = {}

    def configure(
        self, client: AnalyzerClient, overrides: Mapping[str, Any], source: str, services: Iterable[str] = ()
    ) -> None:
        started = time.perf_counter()
        info = client.analyzer_info()
        if info.name:
            self.result.pack_name = info.name
        declarations = declarations_from_info(info)
        if not declarations:
            raise UserError("the policy pack declares no policies: it would pass anything")
        self.effective = effective_config(declarations, info.initialConfig, overrides, source=source)
        self.states = {
            d.name: PolicyState(
                name=d.name,
                description=d.description,
                enforcement_level=self.effective[d.name].level,
                policy_type=d.policy_type,
                config=self.effective[d.name].properties,
                remediation_steps=d.remediation_steps,
            )
            for d in declarations
        }
        self.result.policies = list(self.states.values())
        if all(state.disabled for state in self.states.values()):
            raise UserError(
                f"every policy is disabled ({source} or the pack's initial config): the gate would "
                f"check nothing. Fix: enable at least the mandatory policies"
            )
        exceptions = (
            load_exceptions(self.exceptions_file, rules=set(self.states), today=date.today())
            if self.exceptions_file is not None
            else []
        )
        self.result.exceptions = enforce(
            weakenings(declarations, self.effective, self.stack_config),
            exceptions,
            stack_services(self.stack_config, services),
            path=str(self.exceptions_file) if self.exceptions_file else None,
        )
        client.configure(self.effective)
        self.result.durations_ms["configure"] = (time.perf_counter() - started) * 1000

    def analyze_each(self, client: AnalyzerClient, resources: list[RecordedResource]) -> None:
        """Analyze every resource, up to PIPELINE_DEPTH calls in flight, answers recorded in resource order.

        Each Analyze is independent of the others (the engine may send them as resources register), so
        sending the next calls while the pack judges earlier ones only overlaps the two processes' work."""
        started = time.perf_counter()
        self.by_urn = {r.urn: r for r in resources}
        active = [s for s in self.states.values() if s.policy_type == "resource" and not s.disabled]
        for first in range(0, len(resources), PIPELINE_DEPTH):
            batch = resources[first : first + PIPELINE_DEPTH]
            for resource, pending in [(r, client.analyze_later(r)) for r in batch]:
                try:
                    response = pending.result()
                except AnalyzerRpcError as error:
                    retry = partial(client.analyze, resource)
                    raise self._raised(client, error, active, retry, resource.urn) from None
                for state in active:
                    state.evaluated += 1
                self._record(response, resource)
                self.result.analyzed += 1
        self.result.durations_ms["analyze"] = (time.perf_counter() - started) * 1000

    def analyze_stack(self, client: AnalyzerClient, resources: list[RecordedResource], *, dry_run: bool) -> None:
        started = time.perf_counter()
        # At preview the engine knows only inputs (outputs are inputs plus unknowns): values the mocks invent
        # for provider-computed outputs must never satisfy a policy.
        properties: list[struct_pb2.Struct] = [
            r.inputs_struct if dry_run else to_struct(r.outputs, where=f"outputs of {r.urn}") for r in resources
        ]
        active = [s for s in self.states.values() if s.policy_type == "stack" and not s.disabled]
        try:
            response = client.analyze_stack(resources, properties)
        except AnalyzerRpcError as error:
            raise self._raised(
                client, error, active, lambda: client.analyze_stack(resources, properties), "the stack"
            ) from None
        for state in active:
            state.evaluated += 1
        self._record(response, None)
        self.result.durations_ms["analyze_stack"] = (time.perf_counter() - started) * 1000

    def _raised(
        self,
        client: AnalyzerClient,
        error: AnalyzerRpcError,
        candidates: list[PolicyState],
        retry: Callable[[], object],
        target: str,
    ) -> UserError:
        """Name the policy that raised: re-run the failing call with one policy enabled at a time."""
        if error.code != grpc.StatusCode.UNKNOWN:  # not an exception in a policy: the pack itself failed
            return error
        for candidate in candidates:
            alone = {
                name: entry if name == candidate.name else EffectivePolicyConfig("disabled", entry.properties)
                for name, entry in self.effective.items()
            }
            try:
                client.configure(alone)
                retry()
            except AnalyzerRpcError as again:
                if again.code == grpc.StatusCode.UNKNOWN:
                    return UserError(
                        f"policy {candidate.name!r} raised while analysing {target}: {again.details}. "
                        f"A policy that cannot decide blocks the gate; fix the policy"
                    )
                return again
        return UserError(
            f"a policy raised while analysing {target} (it did not raise again when run alone): {error.details}"
        )

    def _record(self, response: analyzer_pb2.AnalyzeResponse, resource: RecordedResource | None) -> None:
        for diagnostic in response.diagnostics:
            state = self.states.get(diagnostic.policyName)
            # The engine attaches an Analyze diagnostic to the analysed resource whatever URN the pack names.
            urn = resource.urn if resource is not None else diagnostic.urn
            configured = state.enforcement_level if state else "advisory"
            if diagnostic.message.startswith(UNEVALUATED_PREFIX):
                if configured in BLOCKING_LEVELS:
                    raise UserError(
                        f"{configured} policy {diagnostic.policyName!r} could not run on "
                        f"{urn or 'the stack'}: {diagnostic.message}. A mandatory policy that cannot see "
                        f"a value must not pass; make the value known at preview"
                    )
                self.result.notes.append(f"{diagnostic.policyName} on {urn or 'the stack'}: {diagnostic.message}")
                continue
            # A mandatory policy blocks even if the pack reports the violation at a lower level.
            blocking = (
                diagnostic.enforcementLevel in (analyzer_pb2.MANDATORY, analyzer_pb2.REMEDIATE)
                or configured in BLOCKING_LEVELS
            )
            target = self.by_urn.get(urn)
            self.result.violations.append(
                Violation(
                    rule=diagnostic.policyName,
                    level="mandatory" if blocking else "advisory",
                    urn=urn,
                    resource_type=target.type if target else "",
                    resource_name=target.name if target else "",
                    message=diagnostic.message,
                    fix=state.remediation_steps if state else "",
                )
            )
            if state:
                state.violations += 1
        for skipped in response.not_applicable:
            state = self.states.get(skipped.policy_name)
            if skipped.reason.strip().lower().startswith(WAIVER_PREFIX):
                self.result.waivers.append(
                    Waiver(
                        rule=skipped.policy_name,
                        urn=resource.urn if resource else "",
                        reason=skipped.reason.strip()[len(WAIVER_PREFIX) :].strip(),
                    )
                )
                if state:
                    state.waived += 1
            elif state:
                state.not_applicable += 1
