"""One gate run's conversation with a started pack: configure every policy (exceptions enforced), Analyze each
resource, AnalyzeStack once, and record the pack's answers as violations, waivers and notes.

Fail-closed here too: a policy that raises is named and blocks the run, and a blocking policy that could not see
a value at preview is an error, never a pass.
"""

from __future__ import annotations

import time
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
from companyos.policy_gate.exceptions import enforce, load_exceptions, stack_services, weakenings
from companyos.policy_gate.model import (
    BLOCKING_LEVELS,
    WAIVER_PREFIX,
    GateResult,
    PolicyState,
    Violation,
    Waiver,
)
from companyos.policy_gate.policy_config import (
    EffectivePolicyConfig,
    declarations_from_info,
    effective_config,
)
from companyos.policy_gate.resources import to_struct
from companyos.preview.program_run import RecordedResource

# The SDK's wording when a policy reads a value unknown at preview (pulumi_policy/policy.py).
UNEVALUATED_PREFIX = "can't run policy '"
# Analyze calls in flight at once: enough to keep the pack busy while this side prepares the next ones.
PIPELINE_DEPTH = 32


class GateRun:
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
