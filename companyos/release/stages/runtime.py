"""Run stages: deploy the built service on loopback, observe it, send traffic, check it after deploy, and render
its golden dashboard, as the CI `deploy` and `post-deploy` jobs do against a cluster."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from companyos.observability import local_stack
from companyos.observability.check_deploy import check_deploy as check_deployed_service
from companyos.release.runner import StageContext
from companyos.release.state import StageFailed
from companyos.support.files import atomic_write

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"  # the test request's W3C trace id, looked up in logs and spans


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def deploy(ctx: StageContext) -> str:
    """Run the built service (dist/) on loopback. The image itself is not run: `buildah run` has no port
    publishing here, so the deploy runs the same build output the image contains, and says so."""
    port, otlp = free_port(), free_port()
    ctx.state.service_port, ctx.state.otlp_port = port, otlp
    log = (ctx.out / "logs" / "service.log").open("w")
    process = subprocess.Popen(
        ["node", "--require", "./dist/tracing.js", "dist/server.js"],
        cwd=ctx.state.service_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={
            **os.environ,
            "PORT": str(port),
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp}",
            "OTEL_BSP_SCHEDULE_DELAY": "500",
            "LOG_LEVEL": "info",
        },
    )
    ctx.state.service_pid = process.pid
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StageFailed(f"the service exited with {process.returncode}; see logs/service.log")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    ctx.state.service_url = url
                    return f"{url} (built app from dist/, pid {process.pid})"
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise StageFailed("the service did not become ready within 30 s; see logs/service.log")


def observe(ctx: StageContext) -> str:
    prometheus = free_port()
    options = local_stack.StackOptions(
        service=ctx.service,
        target=f"127.0.0.1:{ctx.state.service_port}",
        work_dir=ctx.work / "obs",
        prometheus_port=prometheus,
        alertmanager_port=free_port(),
        otlp_port=ctx.state.otlp_port,
        scrape_interval="1s",
        evaluation_interval="1s",
    )
    state, _ = local_stack.up(options, ctx.state.spec)
    ctx.state.started_obs = True
    ctx.note("observe", "\n".join(f"{c.name:14} {c.url}  pid {c.pid}" for c in state.components))
    ctx.state.prometheus_url = f"http://127.0.0.1:{prometheus}"
    return ctx.state.prometheus_url


def traffic(ctx: StageContext) -> str:
    """Synthetic traffic spread over a few scrapes (bounded: ~200 requests in ~6 s), one with a known trace id."""
    url = ctx.state.service_url
    sent = failed = 0
    for index in range(200):
        headers = {"x-user-id": "release-check"}
        if index == 0:
            headers["traceparent"] = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
        path, body = (
            ("/echo", json.dumps({"message": f"hello {index}"}).encode()) if index % 4 == 3 else ("/hello", None)
        )
        request = urllib.request.Request(url + path, data=body, headers={**headers, "content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5):
                sent += 1
        except (urllib.error.URLError, OSError):
            failed += 1
        time.sleep(0.03)
    if failed:
        raise StageFailed(f"{failed} of 200 synthetic requests failed")
    time.sleep(3)  # two more scrapes so the last requests are counted
    return f"{sent} requests, trace {TRACE_ID}"


def check_deploy(ctx: StageContext) -> str:
    path = ctx.out / "check-deploy.json"
    report = check_deployed_service(ctx.state.spec, ctx.state.service_url, ctx.state.prometheus_url, window="1m")
    atomic_write(path, report.to_json().encode())
    ctx.state.check_deploy_report = path
    if report.exit_code != 0:
        failing = [f"{c.name}: {c.status}" for c in report.checks if c.status != "pass"]
        failing += [f"{p.method} {p.path}: {p.status}" for p in report.probes if p.status != "pass"]
        raise StageFailed(f"post-deploy check: {report.verdict} ({'; '.join(failing)}); see check-deploy.json")
    return "check-deploy.json"


def dashboard(ctx: StageContext) -> str:
    # Imported here: matplotlib takes half a second to import, and `companyos --help` loads every command module.
    from companyos.observability.dashboard import build_dashboard
    from companyos.observability.dashboard_render import render_dashboard_png

    end = datetime.now(UTC)
    out = ctx.out / "dashboard.png"
    report = render_dashboard_png(
        build_dashboard(ctx.state.spec), ctx.state.prometheus_url, out, end - timedelta(minutes=2), end, 2
    )
    ctx.state.dashboard_png = out
    empty = report.empty_panels()
    return "dashboard.png" + (f" (no data yet: {', '.join(empty)})" if empty else "")
