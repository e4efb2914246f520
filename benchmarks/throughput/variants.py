"""The servers the throughput benchmark compares: the generated service and bare Express, built in scratch
directories, and the variants run on them (the shipped service, the bare app, and the extras that locate a cost)."""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.scaffold_support import companyos, npm

BENCH = Path(__file__).resolve().parents[1]
LOOPBACK_ONLY = BENCH / "loopback-only.cjs"
BARE = "bare Express, same routes"


@dataclass
class Variant:
    name: str
    cwd: Path
    argv: list[str]
    env: dict[str, str]
    note: str
    samples: list[dict[str, float]] = field(default_factory=list)
    requests: int = 0
    """Requests answered in all its runs, warm-ups included (to compare with spans received)."""


def prepare(work: Path) -> tuple[Path, Path, Path]:
    """(generated service built, bare app installed, autocannon installed), all in scratch directories."""
    env = {"XDG_CACHE_HOME": str(work / "cache")}  # a private publication of this checkout's template
    companyos(work, "new-service", "bench-api", "--owner", "team-bench", "--no-register", env=env)
    service = work / "bench-api"
    npm(service, "ci", "--prefer-offline")
    npm(service, "run", "build")
    bare = work / "bare-express"
    shutil.copytree(BENCH / "bare-express", bare, ignore=shutil.ignore_patterns("node_modules"))
    npm(bare, "ci", "--prefer-offline")
    tool = work / "autocannon"
    shutil.copytree(BENCH / "autocannon", tool, ignore=shutil.ignore_patterns("node_modules"))
    npm(tool, "ci", "--prefer-offline")
    return service, bare, tool


def start_command(service: Path) -> list[str]:
    """The service's own `npm start` command with the loopback preload added: what it ships with."""
    argv = shlex.split(json.loads((service / "package.json").read_text())["scripts"]["start"])
    if argv[0] != "node":
        raise SystemExit(f"{service}/package.json: start script {argv} does not run node directly")
    return ["node", "--require", str(LOOPBACK_ONLY), *argv[1:]]


def variants(service: Path, bare: Path, quick: bool, stack: ExitStack) -> tuple[list[Variant], Callable[[], int]]:
    """The variants to run, and a count of the spans the OTLP receiver got so far (0 without one)."""
    shipped = start_command(service)
    chosen = [
        Variant(BARE, bare, ["node", "server.js"], {"SERVICE_NAME": "bench-api"}, "the comparator"),
        Variant(
            "generated service (as shipped)",
            service,
            shipped,
            {},
            "npm start command, default environment (LOG_LEVEL info, tracing on, no exporter), stdout to a file",
        ),
    ]
    if quick:
        return chosen, lambda: 0
    # Imported here: the receiver pulls in protobuf, which the quick run does not need.
    from companyos.observability.otlp_receiver import OtlpReceiver

    receiver = stack.enter_context(OtlpReceiver())
    floor = service / "bench-floor"  # inside the service, so the preloads resolve its OpenTelemetry packages
    floor.mkdir()
    shutil.copy(BENCH / "bare-express" / "server.js", floor / "server.js")

    def bare_with(name: str, preload: str, note: str) -> Variant:
        """The bare app with one preload of bare-express/: not a shipped configuration, it locates a cost."""
        shutil.copy(BENCH / "bare-express" / preload, floor / preload)
        argv = ["node", "--require", str(LOOPBACK_ONLY), "--require", f"./{preload}", "server.js"]
        return Variant(name, floor, argv, {"SERVICE_NAME": "bench-api"}, f"{note}: not a shipped configuration")

    return chosen + [
        Variant(
            "service, LOG_LEVEL=warn",
            service,
            shipped,
            {"LOG_LEVEL": "warn"},
            "as shipped without the request log line: locates the cost of logging",
        ),
        Variant(
            "service, OTLP export on",
            service,
            shipped,
            {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
            "as shipped with spans batched and sent over OTLP/HTTP to a local receiver in the benchmark process",
        ),
        Variant(
            "service, 10% of traces sampled",
            service,
            shipped,
            {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
            "as shipped with the SDK's ratio sampler: 1 in 10 new traces recorded, the rest keep ids only",
        ),
        Variant(
            "service, OTEL_SDK_DISABLED=true",
            service,
            shipped,
            {"OTEL_SDK_DISABLED": "true"},
            "as shipped with tracing off (nothing patched): the cost of metrics, logs and middleware alone",
        ),
        bare_with(
            "tracing floor",
            "otel-http-only.cjs",
            "bare app + OpenTelemetry's HTTP instrumentation alone (span recorded, not exported), the cost "
            "of one recorded span per request by itself",
        ),
        bare_with(
            "context alone",
            "context-only.cjs",
            "bare app, each request inside AsyncLocalStorage.run (no SDK, no span), the cost of Node 20's "
            "async context per request",
        ),
        bare_with(
            "span by hand",
            "manual-span.cjs",
            "bare app + the OpenTelemetry SDK, server span started/ended by a small http.Server wrapper "
            "(traceparent extracted, span recorded, not exported) instead of the HTTP instrumentation, the "
            "span's cost without the instrumentation's own",
        ),
    ], lambda: len(receiver.spans())
