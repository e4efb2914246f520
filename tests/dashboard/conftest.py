"""Fixtures for the dashboard tests: the hello-prod stanza and a fake Prometheus on loopback.

The fake answers /api/v1/query_range with a synthetic matrix shaped like the real answer: series
split by the query's `by (...)` label, values in the range the golden panel would show. A test
against a real Prometheus fed by the template's metrics belongs to the integration suite.
"""

from __future__ import annotations

import json
import math
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from companyos.catalog import ServiceSpec, load_catalog

REPO = Path(__file__).resolve().parents[2]

# First matching fragment of the query decides the synthetic level (base, relative swing).
LEVELS: tuple[tuple[str, float, float], ...] = (
    ("histogram_quantile(0.5,", 0.045, 0.2),
    ("histogram_quantile(0.95,", 0.16, 0.25),
    ("histogram_quantile(0.99,", 0.27, 0.3),
    ("[1h])) / sum", 2.5, 0.6),
    ("[6h])) / sum", 1.2, 0.3),
    (") / 0.001", 0.62, 0.02),
    ("1 - (", 0.99938, 0.0002),
    ('le="0.3"', 0.9962, 0.001),
    ('status_code=~"5.."', 0.0007, 0.5),
    ("http_requests_total", 40.0, 0.3),
    ("process_cpu_seconds_total", 0.12, 0.4),
    ("process_resident_memory_bytes", 9.0e7, 0.1),
    ("nodejs_eventloop_lag_p99_seconds", 0.012, 0.5),
)
SPLITS = {
    "by (route)": ("route", ("/", "/hello", "/healthz")),
    "by (instance)": ("instance", ("10.42.0.11:8080", "10.42.0.12:8080")),
}


def synthetic_matrix(query: str, start: float, end: float, step: float) -> list[dict]:
    base, swing = next(((b, s) for frag, b, s in LEVELS if frag in query), (1.0, 0.1))
    label, values = next(((lbl, vals) for frag, (lbl, vals) in SPLITS.items() if frag in query), (None, ("",)))
    count = int((end - start) // step) + 1
    result = []
    for index, value in enumerate(values):
        scale = base * (1 - 0.15 * index)
        samples = [
            [start + i * step, str(scale * (1 + swing * math.sin((start + i * step) / 900 + index)))]
            for i in range(count)
        ]
        result.append({"metric": {label: value} if label else {}, "values": samples})
    return result


class FakePrometheus:
    def __init__(self) -> None:
        self.queries: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self._answer(urllib.parse.parse_qs(self.rfile.read(length).decode()))

            def do_GET(self) -> None:
                self._answer(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))

            def _answer(self, form: dict[str, list[str]]) -> None:
                if urllib.parse.urlsplit(self.path).path != "/api/v1/query_range":
                    self._send(404, {"status": "error", "error": "not found"})
                    return
                query = form["query"][0]
                fake.queries.append(query)
                if "$" in query:  # a Grafana variable Prometheus would not understand
                    self._send(400, {"status": "error", "errorType": "bad_data", "error": f"parse error: {query}"})
                    return
                start, end, step = (float(form[k][0]) for k in ("start", "end", "step"))
                data = {"resultType": "matrix", "result": synthetic_matrix(query, start, end, step)}
                self._send(200, {"status": "success", "data": data})

            def _send(self, code: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)


@pytest.fixture
def fake_prometheus():
    fake = FakePrometheus()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join(timeout=5)


@pytest.fixture(scope="session")
def hello_prod() -> ServiceSpec:
    return load_catalog(REPO / "services.yaml").service("hello-prod")
