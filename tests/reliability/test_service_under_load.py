"""The generated service under load (issue 8, reliability): 60 s of autocannon with no error, timeout or non-2xx
and the process alive; a SIGTERM in the middle of load that fails no in-flight request and exits 0; fuzzed
malformed and oversized bodies, sent while that load runs, each answered 4xx in JSON with a trace id.

The service is the template's, generated, `npm ci`-ed and built once by the template tests' fixture, started
as `npm start` starts it, bound to 127.0.0.1 only, its log lines kept in a file (see service.py).
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.template.conftest import ServiceProcess, stop_service
from tests.template.test_generated_service import TRACE_ID, request

from .bad_bodies import BadBody, bad_bodies
from .load import Load, start_load
from .service import read_log, start_service_logging_to

LOAD_S = 60
CONNECTIONS = 50


@pytest.fixture(scope="module")
def loaded(
    built_service: Path, autocannon: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServiceProcess, Load, Path]]:
    """The service with 60 s of GET /hello load from autocannon started against it; and its log file."""
    log = tmp_path_factory.mktemp("loaded") / "service.log"
    service = start_service_logging_to(built_service, log)
    load = start_load(autocannon, f"{service.url}/hello", connections=CONNECTIONS, duration_s=LOAD_S)
    try:
        yield service, load, log
    finally:
        load.stop()
        stop_service(service)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=bad_bodies)
def test_fuzzed_bad_bodies_during_the_load_each_get_a_4xx_json_answer_with_a_trace_id(
    loaded: tuple[ServiceProcess, Load, Path], case: BadBody
) -> None:
    service = loaded[0]
    status, headers, payload = request(f"{service.url}/echo", "POST", case.body, {"Content-Type": case.content_type})
    assert status == case.status, f"{case.why}: got {status} {payload[:200]!r} for {case.body[:120]!r}"
    assert headers.get("content-type", "").startswith("application/json"), (case.why, headers)
    answer = json.loads(payload)
    assert isinstance(answer.get("error"), str) and answer["error"], (case.why, answer)
    assert TRACE_ID.match(str(answer.get("traceId"))), (case.why, answer)


def test_sixty_seconds_of_load_end_with_no_error_timeout_or_non_2xx_and_the_service_alive(
    loaded: tuple[ServiceProcess, Load, Path],
) -> None:
    service, load, log = loaded
    report = load.report()
    counts = {key: report[key] for key in ("errors", "timeouts", "non2xx", "2xx")}
    assert (counts["errors"], counts["timeouts"], counts["non2xx"]) == (0, 0, 0), counts
    assert report["duration"] >= LOAD_S and counts["2xx"] > 0, f"not a 60 s load: {counts}"

    assert service.process.poll() is None, f"the service exited with {service.process.returncode} under load"
    assert request(f"{service.url}/healthz")[0] == 200
    failed = [
        line
        for line in read_log(log)
        if line.get("level") in ("error", "fatal")
        or "unparsed" in line
        or (line.get("msg") == "request" and int(str(line.get("status", 0))) >= 500)
    ]
    assert failed == [], f"{len(failed)} error/5xx log lines, e.g. {failed[:3]}"


def wait_in_flight(service: ServiceProcess, at_least: int, timeout: float = 20.0) -> int:
    """Polls the service's own in-flight gauge until `at_least` requests are in flight; returns the count."""
    deadline, seen = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        text = request(f"{service.url}/metrics")[2].decode()
        gauge = re.search(r"^http_requests_in_flight (\S+)$", text, re.MULTILINE)
        assert gauge, "http_requests_in_flight is missing from /metrics"
        seen = int(float(gauge.group(1))) - 1  # the scrape itself is in flight too
        if seen >= at_least:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"only {seen} of {at_least} requests in flight within {timeout} s")


def test_sigterm_in_the_middle_of_load_fails_no_in_flight_request_and_exits_0(
    built_service: Path, autocannon: Path, tmp_path: Path
) -> None:
    # 200 ms per request keeps each of autocannon's connections with a request in flight when SIGTERM lands.
    log = tmp_path / "service.log"
    service = start_service_logging_to(built_service, log, {"FAULT_LATENCY_MS": "200"})
    load = start_load(autocannon, f"{service.url}/hello", connections=CONNECTIONS, duration_s=6)
    try:
        in_flight = wait_in_flight(service, CONNECTIONS * 4 // 5)
        service.process.send_signal(signal.SIGTERM)
        exit_code = service.wait_exit(timeout=20)
        report = load.report()
    finally:
        load.stop()
        stop_service(service)

    assert exit_code == 0
    logs = read_log(log)
    assert logs[-1].get("msg") == "stopped", logs[-3:]
    draining = next(i for i, line in enumerate(logs) if line.get("msg") == "draining")
    served = [line for line in logs if line.get("msg") == "request" and line.get("path") == "/hello"]
    after_sigterm = [line for line in logs[draining:] if line.get("msg") == "request"]
    assert len(after_sigterm) >= in_flight // 2, (
        f"SIGTERM did not land mid-load: {len(after_sigterm)} requests finished after it, {in_flight} were in flight"
    )
    failed = [line for line in served if line.get("aborted") or line.get("status") != 200]
    assert failed == [], f"{len(failed)} requests the service took were not answered 200: {failed[:3]}"
    # Every response the service finished reached the client whole, as a 2xx. autocannon's `errors` are not
    # counted here: after the drain they are its reconnects refused by the closed listener, and requests it
    # writes after a `Connection: close` answer (it ignores the header); neither is a request in flight.
    assert (report["non2xx"], report["timeouts"]) == (0, 0), report
    assert report["2xx"] == len(served), f"autocannon got {report['2xx']} 2xx, the service answered {len(served)}"
