"""The engine side a policy pack may call back into: a minimal `pulumirpc.Engine` service on loopback.

The engine hands every analyzer its own gRPC address as the first argument. The Python shim of
pulumi-policy 1.21 parses it without connecting (its `pulumi.log` then writes to stderr), but a pack may
dial it itself, and a future shim may: serving Log keeps those messages in the gate report instead of
failing the pack."""

from __future__ import annotations

import threading
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

_SEVERITY = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}
MAX_LOGS = 1000


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[str] = []
        self._lock = threading.Lock()
        self._root = ""

    def Log(self, request: Any, context: Any) -> Any:
        with self._lock:
            if len(self.logs) < MAX_LOGS:  # a chatty pack must not grow the report without bound
                urn = f" ({request.urn})" if request.urn else ""
                self.logs.append(f"{_SEVERITY.get(request.severity, 'info')}{urn}: {request.message}")
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn=self._root)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        self._root = request.urn
        return engine_pb2.SetRootResourceResponse()


class EngineServer:
    """Context manager: serves the Engine service on 127.0.0.1 (free port) and stops it on exit."""

    def __init__(self) -> None:
        self._servicer = _Engine()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self._servicer, self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def logs(self) -> list[str]:
        return list(self._servicer.logs)

    def __enter__(self) -> EngineServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None)
