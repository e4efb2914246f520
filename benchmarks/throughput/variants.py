"""The servers the throughput benchmark compares: the generated service and bare Express, built in scratch
directories, and the variants run on them (the shipped service, the bare app, and the extras that locate a cost),
each on one or more Node runtimes (the template's Node 24 first, the system's Node 20 beside it)."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.scaffold_support import companyos, npm

BENCH = Path(__file__).resolve().parents[1]
ROOT = BENCH.parent
LOOPBACK_ONLY = BENCH / "loopback-only.cjs"
BARE = "bare Express, same routes"
SHIPPED = "generated service (as shipped)"


@dataclass(frozen=True)
class NodeRuntime:
    major: str
    node: Path
    """The node binary: scripts/setup.sh's .tools/node<major>/bin/node, or the system node when it is that major."""
    version: str

    @property
    def label(self) -> str:
        return f"Node {self.major}"


def node_runtime(major: str, system_node: str | None) -> NodeRuntime:
    """Node `major` from .tools/node<major> (Node 24: installed by scripts/setup.sh) or the system node on PATH."""
    candidates = [ROOT / ".tools" / f"node{major}" / "bin" / "node", *([Path(system_node)] if system_node else [])]
    for node in candidates:
        if node.exists():
            version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
            if version.startswith(f"v{major}."):
                return NodeRuntime(major, node, version)
    raise SystemExit(f"no Node {major} found in {', '.join(map(str, candidates))}; Node 24 comes with `make setup`")


@dataclass
class Variant:
    name: str
    cwd: Path
    argv: list[str]
    env: dict[str, str]
    note: str
    runtime: NodeRuntime
    role: str = "extra"
    """"bare" (the comparator on its runtime), "shipped" (the service as shipped) or "extra" (locates a cost)."""
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


def start_command(service: Path, runtime: NodeRuntime) -> list[str]:
    """The service's own `npm start` command on `runtime`, with the loopback preload added: what it ships with."""
    argv = shlex.split(json.loads((service / "package.json").read_text())["scripts"]["start"])
    if argv[0] != "node":
        raise SystemExit(f"{service}/package.json: start script {argv} does not run node directly")
    return [str(runtime.node), "--require", str(LOOPBACK_ONLY), *argv[1:]]


def variants(
    service: Path, bare: Path, quick: bool, stack: ExitStack, runtimes: list[NodeRuntime]
) -> tuple[list[Variant], Callable[[], int]]:
    """The variants to run, and a count of the spans the OTLP receiver got so far (0 without one).

    Bare and shipped on every runtime (the first runtime's pair first: its shipped service is the one judged);
    the extras that locate a cost on the first runtime only."""
    chosen = [
        variant
        for runtime in runtimes
        for variant in (
            Variant(
                f"{BARE}, {runtime.label}",
                bare,
                [str(runtime.node), "server.js"],
                {"SERVICE_NAME": "bench-api"},
                "the comparator",
                runtime,
                "bare",
            ),
            Variant(
                f"{SHIPPED}, {runtime.label}",
                service,
                start_command(service, runtime),
                {},
                "npm start command, default environment (LOG_LEVEL info, tracing on, no exporter), stdout to a file",
                runtime,
                "shipped",
            ),
        )
    ]
    if quick:
        return chosen, lambda: 0
    primary = runtimes[0]
    shipped = start_command(service, primary)
    # Imported here: the receiver pulls in protobuf, which the quick run does not need.
    from companyos.observability.otlp_receiver import OtlpReceiver

    receiver = stack.enter_context(OtlpReceiver())
    floor = service / "bench-floor"  # inside the service, so the preloads resolve its OpenTelemetry packages
    floor.mkdir()
    shutil.copy(BENCH / "bare-express" / "server.js", floor / "server.js")

    def bare_with(name: str, preload: str, note: str) -> Variant:
        """The bare app with one preload of bare-express/: not a shipped configuration, it locates a cost."""
        shutil.copy(BENCH / "bare-express" / preload, floor / preload)
        argv = [str(primary.node), "--require", str(LOOPBACK_ONLY), "--require", f"./{preload}", "server.js"]
        return Variant(
            f"{name}, {primary.label}",
            floor,
            argv,
            {"SERVICE_NAME": "bench-api"},
            f"{note}: not a shipped configuration",
            primary,
        )

    def service_with(name: str, env: dict[str, str], note: str) -> Variant:
        return Variant(f"{name}, {primary.label}", service, shipped, env, note, primary)

    return chosen + [
        service_with(
            "service, LOG_LEVEL=warn",
            {"LOG_LEVEL": "warn"},
            "as shipped without the request log line: locates the cost of logging",
        ),
        service_with(
            "service, OTLP export on",
            {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
            "as shipped with spans batched and sent over OTLP/HTTP to a local receiver in the benchmark process",
        ),
        service_with(
            "service, 10% of traces sampled",
            {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
            "as shipped with the SDK's ratio sampler: 1 in 10 new traces recorded, the rest keep ids only",
        ),
        service_with(
            "service, OTEL_SDK_DISABLED=true",
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
            "bare app, each request inside AsyncLocalStorage.run (no SDK, no span), the cost of Node's "
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
