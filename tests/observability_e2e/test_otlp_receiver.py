"""The OTLP/HTTP receiver stores what an exporter sends, protobuf or JSON, as one JSON line per span."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from companyos.observability.otlp_receiver import OtlpReceiver, read_spans

from .conftest import http

TRACE, SPAN, PARENT = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "00f067aa0ba902b7"


def export_request() -> ExportTraceServiceRequest:
    span = Span(
        trace_id=bytes.fromhex(TRACE),
        span_id=bytes.fromhex(SPAN),
        parent_span_id=bytes.fromhex(PARENT),
        name="GET /hello",
        kind=Span.SPAN_KIND_SERVER,
        start_time_unix_nano=10,
        end_time_unix_nano=25,
        attributes=[KeyValue(key="http.status_code", value=AnyValue(int_value=200))],
    )
    resource_spans = ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])
    resource_spans.resource.attributes.append(KeyValue(key="service.name", value=AnyValue(string_value="hello-prod")))
    return ExportTraceServiceRequest(resource_spans=[resource_spans])


OTLP_JSON = {
    "resourceSpans": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "hello-prod"}}]},
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": TRACE,
                            "spanId": SPAN,
                            "parentSpanId": PARENT,
                            "name": "GET /hello",
                            "kind": 2,
                            "startTimeUnixNano": "10",
                            "endTimeUnixNano": "25",
                            "attributes": [{"key": "http.status_code", "value": {"intValue": "200"}}],
                        }
                    ]
                }
            ],
        }
    ]
}


@pytest.mark.parametrize(
    ("encoding", "content_type", "body"),
    [
        ("protobuf", "application/x-protobuf", export_request().SerializeToString()),
        ("gzipped protobuf", "application/x-protobuf", gzip.compress(export_request().SerializeToString())),
        ("OTLP JSON with hex ids", "application/json", json.dumps(OTLP_JSON).encode()),
    ],
)
def test_an_exported_span_is_stored_with_its_ids_service_attributes_and_times(
    tmp_path: Path, encoding: str, content_type: str, body: bytes
) -> None:
    spans_file = tmp_path / "spans.jsonl"
    headers = {"Content-Type": content_type, **({"Content-Encoding": "gzip"} if "gzip" in encoding else {})}
    with OtlpReceiver(spans_file=spans_file) as receiver:
        status, _, _ = http(receiver.endpoint + "/v1/traces", "POST", body, headers)
        assert status == 200
        assert receiver.wait_for(TRACE, timeout=2)
    (stored,) = read_spans(spans_file)
    assert (stored.trace_id, stored.span_id, stored.parent_span_id, stored.name, stored.service_name) == (
        TRACE,
        SPAN,
        PARENT,
        "GET /hello",
        "hello-prod",
    )
    assert (stored.attributes, stored.start_unix_nano, stored.end_unix_nano, stored.kind) == (
        {"http.status_code": 200},
        10,
        25,
        2,
    )
    line = json.loads(spans_file.read_text())
    assert {"trace_id", "span_id", "parent", "name", "service.name", "attributes"} <= set(line)


@pytest.mark.parametrize(
    ("case", "path", "content_type", "body", "status"),
    [
        ("unknown path", "/v1/metrics", "application/x-protobuf", b"", 404),
        ("unsupported encoding", "/v1/traces", "text/plain", b"hi", 415),
        ("garbage protobuf", "/v1/traces", "application/x-protobuf", b"\xff\xff\xff", 400),
        ("malformed JSON", "/v1/traces", "application/json", b"{", 400),
    ],
)
def test_a_bad_export_is_refused_with_a_4xx_and_stores_nothing(
    tmp_path: Path, case: str, path: str, content_type: str, body: bytes, status: int
) -> None:
    spans_file = tmp_path / "spans.jsonl"
    with OtlpReceiver(spans_file=spans_file) as receiver:
        assert http(receiver.endpoint + path, "POST", body, {"Content-Type": content_type})[0] == status, case
        assert receiver.spans() == []
    assert not spans_file.exists()


def test_alertmanager_webhook_payloads_are_kept_one_per_line(tmp_path: Path) -> None:
    alerts_file = tmp_path / "alerts.jsonl"
    payload = {"status": "firing", "alerts": [{"labels": {"alertname": "SLOAvailabilityBudgetBurnPage"}}]}
    with OtlpReceiver(alerts_file=alerts_file) as receiver:
        assert http(receiver.endpoint + "/healthz")[0] == 200
        for _ in range(2):
            assert (
                http(
                    receiver.endpoint + "/v1/alerts",
                    "POST",
                    json.dumps(payload, indent=2).encode(),
                    {"Content-Type": "application/json"},
                )[0]
                == 200
            )
    assert [json.loads(line) for line in alerts_file.read_text().splitlines()] == [payload, payload]
