"""The rendered service, installed and built for real, behaves as the paved road promises.

Slow: npm ci and a TypeScript build run once per session (the `built_service` fixture).
"""

from __future__ import annotations

import json
import re
import secrets
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from companyos.catalog.model import TEMPLATE_LATENCY_BUCKETS_MS
from companyos.observability.otlp_receiver import OtlpReceiver

from .conftest import ServiceProcess, node_test_counts, npm, start_service, stop_service

pytestmark = pytest.mark.slow

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def request(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body; 4xx/5xx are answers, not exceptions."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_npm_test_passes_on_a_freshly_rendered_service(built_service: Path) -> None:
    result = npm(built_service, "test")
    passed, failed = node_test_counts(result.stdout)
    assert failed == 0 and passed > 0, result.stdout[-2000:]


def test_the_rendered_service_lints_clean_with_its_own_eslint_config(built_service: Path) -> None:
    # The real ESLint with typescript-eslint's type-checked rules, as the CI workflow's test job runs it.
    result = npm(built_service, "run", "lint")
    assert "problem" not in result.stdout, result.stdout


def test_eslint_does_flag_a_floating_promise_so_a_clean_lint_means_something(built_service: Path) -> None:
    planted = built_service / "src" / "planted.ts"
    planted.write_text("export function fire(): void {\n  Promise.resolve(1);\n}\n")
    try:
        result = subprocess.run(
            ["npm", "run", "lint"], cwd=built_service, capture_output=True, text=True, timeout=300, check=False
        )
    finally:
        planted.unlink()
    assert result.returncode != 0
    assert "src/planted.ts" in result.stdout and "@typescript-eslint/no-floating-promises" in result.stdout


def test_probes_answer_and_metrics_count_a_hello_request(running_service: ServiceProcess) -> None:
    url = running_service.url
    assert request(f"{url}/healthz")[0] == 200
    assert request(f"{url}/readyz")[0] == 200
    status, _, body = request(f"{url}/hello")
    assert status == 200 and json.loads(body)["message"] == "hello from orders-api"

    text = request(f"{url}/metrics")[2].decode()
    assert metric(text, "http_requests_total", method="GET", route="/hello", status_code="200") == 1
    assert "nodejs_eventloop_lag_seconds " in text
    bounds = sorted({float(le) for le in re.findall(r'http_request_duration_seconds_bucket\{le="([^"+]+)"', text)})
    assert bounds == [ms / 1000 for ms in TEMPLATE_LATENCY_BUCKETS_MS["node-express"]]


def test_a_callers_trace_id_reaches_the_log_line_the_traceresponse_header_and_the_exported_spans(
    built_service: Path,
) -> None:
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    with OtlpReceiver() as receiver:
        service = start_service(
            built_service,
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                "OTEL_BSP_SCHEDULE_DELAY": "200",
            },
        )
        try:
            status, headers, _ = request(
                f"{service.url}/hello", headers={"traceparent": f"00-{trace_id}-{parent_id}-01", "x-user-id": "user-7"}
            )
            assert status == 200
            assert re.fullmatch(rf"00-{trace_id}-[0-9a-f]{{16}}-01", headers["traceresponse"])
            server_span_id = headers["traceresponse"].split("-")[2]

            line = service.wait_for_log(
                lambda entry: entry.get("msg") == "request" and entry.get("trace_id") == trace_id
            )
            assert (line["span_id"], line["route"], line["status"], line["user_id"]) == (
                server_span_id,
                "/hello",
                200,
                "user-7",
            )

            spans = receiver.wait_for(trace_id, timeout=10)
            assert spans, "no span of the trace reached the OTLP receiver within 10 s"
            server = next((s for s in spans if s.span_id == server_span_id), None)
            assert server is not None, f"server span {server_span_id} not among {spans}"
            assert server.parent_span_id == parent_id
            assert server.service_name == "orders-api"
            # The express instrumentation still names the span after the route with its layer spans off.
            assert (server.name, server.attributes.get("http.route")) == ("GET /hello", "/hello")
        finally:
            stop_service(service)


@pytest.mark.parametrize(
    ("case", "content_type", "body", "status"),
    [
        ("malformed JSON", "application/json", b'{"message": "unterminated', 400),
        ("oversized body", "application/json", json.dumps({"message": "x" * 40_000}).encode(), 413),
        ("wrong shape", "application/json", b'{"msg": "hi"}', 400),
        ("message too long", "application/json", json.dumps({"message": "x" * 1001}).encode(), 400),
        ("not JSON at all", "text/plain", b"hello", 415),
    ],
)
def test_a_bad_body_gets_a_4xx_with_the_trace_id_and_never_a_crash(
    running_service: ServiceProcess, case: str, content_type: str, body: bytes, status: int
) -> None:
    got, _, payload = request(f"{running_service.url}/echo", "POST", body, {"Content-Type": content_type})
    assert got == status, case
    answer = json.loads(payload)
    assert answer["error"] and TRACE_ID.match(answer["traceId"]), answer
    assert request(f"{running_service.url}/healthz")[0] == 200
    assert running_service.process.poll() is None


def test_sigterm_during_a_burst_lets_every_in_flight_request_finish_and_exits_0(built_service: Path) -> None:
    burst = 200
    # The latency keeps the whole burst in flight when SIGTERM lands.
    service = start_service(built_service, {"FAULT_LATENCY_MS": "1500"})
    statuses: list[int | str] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            result: int | str = request(f"{service.url}/hello", timeout=30)[0]
        except OSError as err:
            result = repr(err)
        with lock:
            statuses.append(result)

    threads = [threading.Thread(target=call, daemon=True) for _ in range(burst)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        in_flight = 0.0
        while time.monotonic() < deadline:
            text = request(f"{service.url}/metrics")[2].decode()
            # The scrape itself is in flight too.
            gauge = re.search(r"^http_requests_in_flight (\S+)$", text, re.MULTILINE)
            assert gauge, "http_requests_in_flight is missing from /metrics"
            in_flight = float(gauge.group(1)) - 1
            if in_flight >= burst:
                break
            time.sleep(0.02)
        assert in_flight >= burst, f"only {in_flight} of {burst} requests in flight before SIGTERM"

        service.process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(timeout=30)
        assert service.wait_exit(timeout=15) == 0
    finally:
        stop_service(service)

    failures = [s for s in statuses if s != 200]
    assert len(statuses) == burst and failures == [], f"{len(failures)} failed: {failures[:5]}"
    service.wait_for_log(lambda entry: entry.get("msg") == "stopped")
