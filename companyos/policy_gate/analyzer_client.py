"""The engine's half of the Analyzer protocol, with the SDK's own stubs; every RPC failure is a UserError."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from companyos.contracts.errors import UserError
from companyos.policy_gate.policy_config import LEVEL_TO_PROTO, EffectivePolicyConfig
from companyos.preview.program_run import RecordedResource

# The pack accepts up to 400 MB; AnalyzeStack carries every resource of the stack in one message.
MAX_MESSAGE = 400 * 1024 * 1024
CHANNEL_OPTIONS = [("grpc.max_send_message_length", MAX_MESSAGE), ("grpc.max_receive_message_length", MAX_MESSAGE)]
Reply = TypeVar("Reply")


def configure_request(config: Mapping[str, EffectivePolicyConfig]) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """Every policy with an explicit level: an entry without one would decode as advisory in the pack."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, entry in config.items():
        policy = request.policyConfig[name]
        policy.enforcementLevel = LEVEL_TO_PROTO[entry.level]
        policy.properties.update(entry.properties)
    return request


class AnalyzerRpcError(UserError):
    def __init__(self, method: str, error: grpc.RpcError) -> None:
        self.code = error.code() if hasattr(error, "code") else None
        self.details = (error.details() if hasattr(error, "details") else "") or str(error)
        name = self.code.name if self.code is not None else "UNKNOWN"
        super().__init__(f"{method} failed ({name}): {self.details}")


class AnalyzerClient:
    """One channel to the pack, as the engine keeps one per analyzer; `timeout_s` bounds every call."""

    def __init__(self, port: int, *, timeout_s: float) -> None:
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=CHANNEL_OPTIONS)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.timeout_s = timeout_s

    def close(self) -> None:
        self.channel.close()

    def wait_ready(self) -> None:
        try:
            grpc.channel_ready_future(self.channel).result(timeout=self.timeout_s)
        except grpc.FutureTimeoutError:
            raise UserError(f"the policy pack's port did not accept a connection within {self.timeout_s:g} s") from None

    def _call(self, method: str, call: Callable[..., Reply], request: Any) -> Reply:
        try:
            return call(request, timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise AnalyzerRpcError(method, error) from None

    def handshake(self, engine_address: str, directory: str) -> None:
        """Python packs answer UNIMPLEMENTED (the engine tolerates it, and so do we)."""
        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address=engine_address, root_directory=directory, program_directory=directory
        )
        try:
            self._call("Handshake", self.stub.Handshake, request)
        except AnalyzerRpcError as error:
            if error.code != grpc.StatusCode.UNIMPLEMENTED:
                raise

    def configure_stack(
        self,
        *,
        project: str,
        stack: str,
        organization: str,
        dry_run: bool,
        config: Mapping[str, str],
        tags: Mapping[str, str],
    ) -> None:
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack,
            project=project,
            organization=organization,
            dry_run=dry_run,
            config=dict(config),
            tags=dict(tags),
        )
        try:
            self._call("ConfigureStack", self.stub.ConfigureStack, request)
        except AnalyzerRpcError as error:
            if error.code != grpc.StatusCode.UNIMPLEMENTED:  # packs older than ConfigureStack
                raise

    def analyzer_info(self) -> analyzer_pb2.AnalyzerInfo:
        return self._call("GetAnalyzerInfo", self.stub.GetAnalyzerInfo, empty_pb2.Empty())

    def configure(self, config: Mapping[str, EffectivePolicyConfig]) -> None:
        self._call("Configure", self.stub.Configure, configure_request(config))

    def analyze(self, resource: RecordedResource) -> analyzer_pb2.AnalyzeResponse:
        return self._call("Analyze", self.stub.Analyze, _analyze_request(resource))

    def analyze_later(self, resource: RecordedResource) -> PendingAnalyze:
        """Send Analyze now; `PendingAnalyze.result()` waits for the answer."""
        return PendingAnalyze(self.stub.Analyze.future(_analyze_request(resource), timeout=self.timeout_s))

    def analyze_stack(
        self, resources: list[RecordedResource], properties: list[struct_pb2.Struct]
    ) -> analyzer_pb2.AnalyzeResponse:
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    urn=r.urn,
                    name=r.name,
                    properties=props,
                    parent=r.parent,
                    dependencies=r.dependencies,
                    propertyDependencies={
                        k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                    },
                    options=analyzer_pb2.AnalyzerResourceOptions(parent=r.parent, protect=r.protect),
                )
                for r, props in zip(resources, properties, strict=True)
            ]
        )
        try:
            return self._call("AnalyzeStack", self.stub.AnalyzeStack, request)
        except AnalyzerRpcError as error:
            if error.code == grpc.StatusCode.UNIMPLEMENTED:  # the engine skips packs without stack policies
                return analyzer_pb2.AnalyzeResponse()
            raise


def _analyze_request(resource: RecordedResource) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        urn=resource.urn,
        name=resource.name,
        properties=resource.inputs_struct,
        options=analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent, protect=resource.protect),
    )


class PendingAnalyze:
    """An Analyze call sent and not answered yet."""

    def __init__(self, future: Any) -> None:
        self._future = future

    def result(self) -> analyzer_pb2.AnalyzeResponse:
        try:
            return self._future.result()
        except grpc.RpcError as error:
            raise AnalyzerRpcError("Analyze", error) from None
