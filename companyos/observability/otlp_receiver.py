"""A small OTLP/HTTP trace receiver: stores the spans services export as JSON lines, on loopback.

Written here rather than run as an OpenTelemetry Collector because no collector binary installs from
the registries this project can reach; the protobuf classes come from `opentelemetry-proto`.

Endpoints:
  POST /v1/traces     OTLP/HTTP, protobuf (application/x-protobuf) or JSON (application/json)
  POST /v1/alerts     Alertmanager webhook payloads (the local stack routes alerts here)
  GET  /healthz       200 once serving

Stored span (one JSON object per line): trace_id, span_id, parent (hex, "" for a root span), name,
kind, service.name, attributes (plain values), start_unix_nano, end_unix_nano, status_code.

Run it: `python -m companyos.observability.otlp_receiver --port 4318 --spans spans.jsonl`.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Self

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

TRACES_PATH = "/v1/traces"
ALERTS_PATH = "/v1/alerts"
HEALTH_PATH = "/healthz"
MAX_BODY_BYTES = 16 * 2**20  # a batch far above any exporter's default; refuses runaway bodies
# OTLP/JSON writes these ids as hex, where protobuf's JSON mapping expects base64 (OTLP spec, "JSON Protobuf Encoding").
_HEX_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


@dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    service_name: str
    kind: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)
    start_unix_nano: int = 0
    end_unix_nano: int = 0
    status_code: int = 0

    def to_json_line(self) -> str:
        record = asdict(self)
        record["parent"] = record.pop("parent_span_id")
        record["service.name"] = record.pop("service_name")
        return json.dumps(record, sort_keys=True)


def span_from_json_line(line: str) -> ReceivedSpan:
    record = json.loads(line)
    record["parent_span_id"] = record.pop("parent")
    record["service_name"] = record.pop("service.name")
    return ReceivedSpan(**record)


def _plain(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_plain(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _plain(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def spans_of(request: ExportTraceServiceRequest) -> list[ReceivedSpan]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _plain(a.value) for a in resource_spans.resource.attributes}
        service = str(resource.get("service.name", ""))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        service_name=service,
                        kind=int(span.kind),
                        attributes={a.key: _plain(a.value) for a in span.attributes},
                        start_unix_nano=int(span.start_time_unix_nano),
                        end_unix_nano=int(span.end_time_unix_nano),
                        status_code=int(span.status.code),
                    )
                )
    return spans


def _hex_ids_to_base64(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _HEX_ID_FIELDS and isinstance(value, str) and value:
                node[key] = base64.b64encode(bytes.fromhex(value)).decode()
            else:
                _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids_to_base64(item)


def parse_export_request(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    """An OTLP export request from its protobuf or JSON encoding; ValueError for anything else."""
    request = ExportTraceServiceRequest()
    if "protobuf" in content_type:
        request.ParseFromString(body)
    elif "json" in content_type:
        document = json.loads(body)
        _hex_ids_to_base64(document)
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    else:
        raise ValueError(f"unsupported Content-Type {content_type!r}; send application/x-protobuf or application/json")
    return request


class OtlpReceiver:
    """Serves on host:port (port 0 = a free one); a context manager, so the server always stops.

    Spans are kept in memory and, with `spans_file`, appended to it as JSON lines.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, spans_file: Path | None = None, alerts_file: Path | None = None
    ) -> None:
        self._spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        self._spans_file = spans_file
        self._host = host
        self._alerts_file = alerts_file
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == HEALTH_PATH:
                    self._reply(200, b'{"status":"ok"}', "application/json")
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                try:
                    body = self._read_body()
                except ValueError as err:
                    self.send_error(400, str(err))
                    return
                content_type = (self.headers.get("Content-Type") or "").lower()
                if self.path == ALERTS_PATH:
                    receiver._append(receiver._alerts_file, [body.decode("utf-8", "replace").replace("\n", " ")])
                    self._reply(200, b"{}", "application/json")
                    return
                if self.path != TRACES_PATH:
                    self.send_error(404)
                    return
                try:
                    request = parse_export_request(body, content_type)
                except (ValueError, DecodeError) as err:  # json_format's ParseError is a ValueError
                    self.send_error(415 if "Content-Type" in str(err) else 400, str(err))
                    return
                receiver._add(spans_of(request))
                if "json" in content_type:
                    self._reply(200, b"{}", "application/json")
                else:
                    self._reply(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")

            def _reply(self, code: int, payload: bytes, content_type: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _read_body(self) -> bytes:
                # The Node exporter streams its body chunked; http.server does not decode that itself.
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    chunks, total = [], 0
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()  # the blank line after the last chunk (no trailers sent)
                            break
                        total += size
                        if total > MAX_BODY_BYTES:
                            raise ValueError(f"body larger than {MAX_BODY_BYTES} bytes")
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()  # CRLF ending the chunk
                    body = b"".join(chunks)
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length > MAX_BODY_BYTES:
                        raise ValueError(f"body larger than {MAX_BODY_BYTES} bytes")
                    body = self.rfile.read(length)
                if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
                    body = gzip.decompress(body)
                return body

            def log_message(self, format: str, *args: object) -> None:
                pass  # one line per export would drown the stack's log

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://{self._host}:{self._server.server_address[1]}"

    def _append(self, path: Path | None, lines: list[str]) -> None:
        if path is None or not lines:
            return
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))

    def _add(self, spans: list[ReceivedSpan]) -> None:
        with self._lock:
            self._spans.extend(spans)
        self._append(self._spans_file, [span.to_json_line() for span in spans])

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def wait_for(self, trace_id: str, timeout: float = 10.0) -> list[ReceivedSpan]:
        """Spans of one trace, waiting up to `timeout` seconds for the first to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [s for s in self.spans() if s.trace_id == trace_id]
            if found:
                return found
            time.sleep(0.05)
        return []

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def read_spans(path: Path) -> list[ReceivedSpan]:
    """Spans a receiver stored; a half-written last line (the receiver is appending) is skipped."""
    if not path.exists():
        return []
    spans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            spans.append(span_from_json_line(line))
        except (ValueError, KeyError, TypeError):
            continue
    return spans


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--spans", type=Path, required=True, help="JSON-lines file the spans are appended to")
    parser.add_argument("--alerts", type=Path, help="JSON-lines file Alertmanager webhook payloads are appended to")
    args = parser.parse_args(argv)
    receiver = OtlpReceiver(args.host, args.port, spans_file=args.spans, alerts_file=args.alerts)
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with receiver:
        print(f"otlp receiver listening on {receiver.endpoint}", flush=True)
        stopping.wait()


if __name__ == "__main__":
    main()
