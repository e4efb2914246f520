"""The stages of a local release, in order. Each runs the same `companyos` command (or npm script) the
service's CI workflow runs in the job named by `ci_job`, so a local release and a CI release cannot drift."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from companyos.catalog import ServiceSpec
from companyos.contracts.conventions import SERVICE_METADATA_PATH
from companyos.release.runner import StageContext, StageFailed, StageSpec
from companyos.support.files import atomic_write

COMPANYOS = [sys.executable, "-m", "companyos.cli"]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"  # the test request's W3C trace id, looked up in logs and spans


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spec(ctx: StageContext) -> ServiceSpec:
    spec = ctx.facts["spec"]
    assert isinstance(spec, ServiceSpec)
    return spec


def _dir(ctx: StageContext) -> Path:
    return Path(str(ctx.facts["service_dir"]))


# Tools installed on first use (cyclonedx-npm) are shared by every work tree: a fresh release folder
# should not reinstall them.
SHARED_TOOLS = Path(__file__).resolve().parents[2] / ".work" / "tools"


def _env(ctx: StageContext, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "COMPANYOS_WORK_DIR": str(ctx.work),
        "COMPANYOS_TOOLS_DIR": os.environ.get("COMPANYOS_TOOLS_DIR", str(SHARED_TOOLS)),
        **extra,
    }


def _companyos(ctx: StageContext, *args: str, log: str, timeout: float = 900) -> str:
    return ctx.run(
        [*COMPANYOS, *args],
        env=_env(ctx, COSIGN_PASSWORD=str(ctx.facts.get("cosign_password", ""))),
        log=log,
        timeout=timeout,
    ).stdout


# --- source: scaffold, install, build, test --------------------------------------------------------------


def scaffold(ctx: StageContext) -> str:
    spec, target = _spec(ctx), _dir(ctx)
    if (target / "package.json").is_file():
        return f"{target} (exists)"
    target.parent.mkdir(parents=True, exist_ok=True)
    _companyos(
        ctx,
        "new-service",
        spec.name,
        "--dir",
        str(target.parent),
        "--owner",
        spec.owner,
        "--risk",
        spec.risk,
        "--data-classification",
        spec.data_classification,
        "--port",
        str(spec.port),
        "--description",
        spec.description or spec.name,
        "--no-register",
        log="scaffold",
    )
    if not (target / ".git").exists():
        for argv in (
            ["git", "init", "-q", "-b", "main"],
            ["git", "add", "-A"],
            [
                "git",
                "-c",
                "user.name=paved-road",
                "-c",
                "user.email=release@paved-road.invalid",
                "commit",
                "-qm",
                f"{spec.name}: generated from the paved-road template",
            ],
        ):
            ctx.run(argv, cwd=target, log="scaffold-git")
    return str(target)


def install(ctx: StageContext) -> str:
    ctx.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=_dir(ctx), log="install")
    return "node_modules/"


def build(ctx: StageContext) -> str:
    ctx.run(["npm", "run", "build"], cwd=_dir(ctx), log="build")
    return "dist/"


def test(ctx: StageContext) -> str:
    reports = ctx.out / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    directory = _dir(ctx)
    ctx.run(["npm", "run", "typecheck"], cwd=directory, log="typecheck")
    tests = sorted(str(p.relative_to(directory)) for p in (directory / "test").glob("*.test.ts"))
    ctx.run(
        [
            "node",
            "--import",
            "tsx",
            "--test",
            "--experimental-test-coverage",
            "--test-reporter=junit",
            f"--test-reporter-destination={reports / 'junit.xml'}",
            "--test-reporter=lcov",
            f"--test-reporter-destination={reports / 'lcov.info'}",
            "--test-reporter=spec",
            "--test-reporter-destination=stdout",
            *tests,
        ],
        cwd=directory,
        log="test",
        timeout=900,
    )
    return "reports/junit.xml"


# --- supply chain: image, SBOM, signature, verification, scan, record -------------------------------------


def registry(ctx: StageContext) -> str:
    port = int(str(ctx.facts["registry_port"]))
    data_dir = str(ctx.work / "registry")
    status = subprocess.run(
        [*COMPANYOS, "registry", "status", "--data-dir", data_dir], env=_env(ctx), capture_output=True, text=True
    )
    if status.returncode != 0:
        _companyos(ctx, "registry", "start", "--port", str(port), "--data-dir", data_dir, log="registry")
        ctx.facts["started_registry"] = True
    return f"127.0.0.1:{port}"


def image(ctx: StageContext) -> str:
    out = _companyos(
        ctx,
        "build",
        str(_dir(ctx)),
        "--registry",
        f"127.0.0.1:{ctx.facts['registry_port']}",
        "--tag",
        ctx.version,
        log="image",
        timeout=1800,
    )
    pinned = out.strip().splitlines()[-1]
    repository, _, digest = pinned.partition("@")
    if not digest.startswith("sha256:"):
        raise StageFailed(f"`companyos build` did not print REPOSITORY@DIGEST (got {pinned!r})")
    ctx.facts.update(image_repository=repository, image_digest=digest, image_tag_ref=f"{repository}:{ctx.version}")
    return pinned


def sbom(ctx: StageContext) -> str:
    path = ctx.out / "sbom.cdx.json"
    out = _companyos(
        ctx,
        "sbom",
        str(_dir(ctx)),
        "--image",
        f"{ctx.facts['image_repository']}@{ctx.facts['image_digest']}",
        "--out",
        str(path),
        "--attach",
        log="sbom",
        timeout=900,
    )
    location = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("location:")), "")
    ctx.facts.update(sbom_path=path, sbom_location=location or str(path))
    return "sbom.cdx.json"


def keys(ctx: StageContext) -> Path:
    """The local signing key (generated once per work tree, never in the repository)."""
    folder = ctx.work / "keys"
    password_file = folder / "cosign.password"
    if not (folder / "cosign.key").exists():
        folder.mkdir(parents=True, exist_ok=True)
        password = os.environ.get("COSIGN_PASSWORD") or secrets.token_urlsafe(24)
        password_file.write_text(password)
        password_file.chmod(0o600)
        ctx.facts["cosign_password"] = password
        _companyos(ctx, "keygen", "--output-key-prefix", str(folder / "cosign"), log="keygen")
    ctx.facts["cosign_password"] = os.environ.get("COSIGN_PASSWORD") or password_file.read_text()
    return folder


def sign(ctx: StageContext) -> str:
    folder = keys(ctx)
    evidence = ctx.out / "signature.json"
    _companyos(
        ctx,
        "sign",
        f"{ctx.facts['image_repository']}@{ctx.facts['image_digest']}",
        "--key",
        str(folder / "cosign.key"),
        "--out",
        str(evidence),
        log="sign",
    )
    ctx.facts.update(signature_path=evidence, public_key=folder / "cosign.pub")
    tamper = ctx.facts.get("tamper")
    if callable(tamper):
        tamper(ctx)  # a demonstration hook: re-point the tag after signing (see `--tamper-tag`)
    return "signature.json"


def _verdict(
    ctx: StageContext, args: list[str], result_path: Path, fact: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    """Run a `companyos ... --json` check and keep its verdict as evidence. Only a verdict is evidence: a check
    that could not run (registry down) writes no file, so the evidence pack says "not checked", not "rejected"."""
    done = subprocess.run([*COMPANYOS, *args], env=_env(ctx), capture_output=True, text=True, timeout=120)
    try:
        parsed = json.loads(done.stdout)
    except ValueError:
        parsed = None
    verdict = parsed if isinstance(parsed, dict) and "verified" in parsed else None
    if verdict is not None:
        atomic_write(result_path, done.stdout)
        ctx.facts[fact] = result_path
    return done, verdict


def verify(ctx: StageContext) -> str:
    """Verify by TAG, as a deploy that trusts a tag would: the tag is resolved to its digest first."""
    result_path = ctx.out / "verify.json"
    result_path.unlink(missing_ok=True)  # a previous run's verdict must not stand in for this one
    done, verdict = _verdict(
        ctx,
        ["verify", str(ctx.facts["image_tag_ref"]), "--key", str(ctx.facts["public_key"]), "--json"],
        result_path,
        "verify_path",
    )
    if done.returncode != 0:
        reason = (
            f"{verdict.get('reason')}: {verdict.get('detail')}" if verdict else (done.stderr or done.stdout).strip()
        )
        raise StageFailed(f"signature verification of {ctx.facts['image_tag_ref']} failed ({reason})")
    return "verify.json"


def scan(ctx: StageContext) -> str:
    path = ctx.out / "scan.json"
    report = ctx.facts.get("scan_report")
    args = [str(report), "--format", str(ctx.facts.get("scan_format", "grype"))] if report else []
    _companyos(ctx, "scan", "ingest", *args, "--out", str(path), log="scan")
    ctx.facts["scan_path"] = path
    return "scan.json"


def attest(ctx: StageContext) -> str:
    """Attest the SBOM, the scan (when there was one) and the build's provenance, as the CI `sign` job does."""
    from companyos.supply_chain.build import read_package
    from companyos.supply_chain.provenance import LOCAL_BUILDER_ID
    from companyos.supply_chain.release_paths import BUILD_FILE, release_dir

    pinned = f"{ctx.facts['image_repository']}@{ctx.facts['image_digest']}"
    key = str(keys(ctx) / "cosign.key")
    folder = ctx.out / "attestations"
    folder.mkdir(parents=True, exist_ok=True)
    name, package_version = read_package(_dir(ctx))
    report = ctx.facts.get("scan_report")
    build_facts = json.loads((release_dir(ctx.work, name, package_version) / BUILD_FILE).read_text())
    git_commit = _git_commit(ctx)
    ctx.facts["git_commit"] = git_commit
    _companyos(
        ctx,
        "predicate",
        "provenance",
        str(_dir(ctx)),
        "--service",
        ctx.service,
        "--version",
        ctx.version,
        "--git-commit",
        git_commit,
        "--source-uri",
        f"git+file://{_dir(ctx).resolve()}@refs/heads/main",
        "--builder-id",
        LOCAL_BUILDER_ID,
        "--invocation-id",
        f"urn:uuid:{uuid.uuid4()}",
        "--base-image",
        str(build_facts.get("base_image", "")),
        "--started-on",
        str(build_facts["built_at"]),
        "--sbom",
        str(ctx.facts["sbom_path"]),
        *(["--scan-report", str(report)] if report else []),
        "--out",
        str(folder / "provenance.json"),
        log="attest",
    )
    predicates = [("cyclonedx", Path(str(ctx.facts["sbom_path"]))), ("slsaprovenance1", folder / "provenance.json")]
    if report:
        _companyos(
            ctx,
            "predicate",
            "vuln",
            str(report),
            "--format",
            str(ctx.facts.get("scan_format", "grype")),
            "--out",
            str(folder / "vuln.json"),
            log="attest",
        )
        predicates.insert(1, ("vuln", folder / "vuln.json"))
    lines = []
    for cosign_type, predicate in predicates:
        envelope = folder / f"{cosign_type}.dsse.json"
        _companyos(
            ctx,
            "attest",
            pinned,
            "--key",
            key,
            "--type",
            cosign_type,
            "--predicate",
            str(predicate),
            "--out",
            str(envelope),
            log="attest",
        )
        lines.append(envelope.read_text().strip())
    bundle = ctx.out / "attestations.jsonl"
    atomic_write(bundle, ("\n".join(lines) + "\n").encode())
    ctx.facts["attestations_path"] = bundle
    return f"attestations.jsonl ({', '.join(kind for kind, _ in predicates)})"


def _git_commit(ctx: StageContext) -> str:
    done = subprocess.run(["git", "-C", str(_dir(ctx)), "rev-parse", "HEAD"], capture_output=True, text=True)
    if done.returncode != 0:
        raise StageFailed(
            f"{_dir(ctx)} is not a git checkout with a commit ({done.stderr.strip()}); provenance and "
            "the release record name the source commit"
        )
    return done.stdout.strip()


def record(ctx: StageContext) -> str:
    from companyos.contracts.release_record import ScanSummary
    from companyos.supply_chain.release import attestation_refs, read_envelope_lines, read_signature_ref, record_release

    scan_data = json.loads(Path(str(ctx.facts["scan_path"])).read_text())
    repository, digest = str(ctx.facts["image_repository"]), str(ctx.facts["image_digest"])
    envelopes = read_envelope_lines(Path(str(ctx.facts["attestations_path"])))
    release, path = record_release(
        service=ctx.service,
        version=ctx.version,
        image_repository=repository,
        digest=digest,
        sbom_path=Path(str(ctx.facts["sbom_path"])),
        sbom_location=str(ctx.facts["sbom_location"]),
        signature=read_signature_ref(Path(str(ctx.facts["signature_path"]))),
        scan=ScanSummary(**scan_data),
        git_commit=str(ctx.facts["git_commit"]),
        work=ctx.work,
        tag=ctx.version,
        attestations=attestation_refs(envelopes, repository, digest),
    )
    ctx.facts.update(release=release, record_path=path)
    return str(path.relative_to(ctx.out)) if path.is_relative_to(ctx.out) else str(path)


def verify_attestations(ctx: StageContext) -> str:
    """Read the attestations back from the registry's `.att` tag and judge them against the record, as a deploy
    would: a record that carried envelopes the registry does not hold fails here."""
    result_path = ctx.out / "attestations-verify.json"
    result_path.unlink(missing_ok=True)
    done, parsed = _verdict(
        ctx,
        [
            "verify-attestations",
            str(ctx.facts["record_path"]),
            "--key",
            str(ctx.facts["public_key"]),
            "--from-registry",
            "--json",
        ],
        result_path,
        "attestations_verify_path",
    )
    if done.returncode != 0:
        problems = parsed.get("problems") if isinstance(parsed, dict) else None
        reason = "; ".join(problems) if isinstance(problems, list) else (done.stderr or done.stdout).strip()
        raise StageFailed(
            f"the attestations of {ctx.facts['image_repository']}@{ctx.facts['image_digest']} do not verify ({reason})"
        )
    return "attestations-verify.json"


# --- governance: the policy gate ----------------------------------------------------------------------------


def gate_config(ctx: StageContext) -> Path:
    """The policy config a local release runs with: what CI's policy-gate job writes on push (labels from
    service.yaml, the release key as trusted key) and, only when no scan report was given, the explicit (reported)
    unscanned waiver."""
    from companyos.ci_workflow.policy_config import gate_policy_config, labels_from_service_metadata, render

    config = gate_policy_config(
        labels=labels_from_service_metadata(_dir(ctx) / SERVICE_METADATA_PATH),
        source=SERVICE_METADATA_PATH,
        public_keys=[Path(str(ctx.facts["public_key"])).read_text()],
        allow_unscanned=not ctx.facts.get("scan_report"),
    )
    path = ctx.out / "policy-config.json"
    atomic_write(path, render(config).encode())
    return path


LOCAL_WAIVER_DAYS = 7


def gate_exceptions(ctx: StageContext) -> Path | None:
    """The local release's one weakening, the unscanned waiver, as a reviewed exception: no scanner database is
    reachable offline. Owned by the service's team, approved by the platform, for a week."""
    if ctx.facts.get("scan_report"):
        return None
    import yaml

    meta = yaml.safe_load((_dir(ctx) / "service.yaml").read_text()) or {}
    expires = (datetime.now(UTC).date() + timedelta(days=LOCAL_WAIVER_DAYS)).isoformat()
    document = {
        "exceptions": [
            {
                "rule": "image-vulnerability-threshold",
                "setting": "allow_unscanned",
                "scope": {"services": [ctx.service]},
                "reason": "local release: no vulnerability database is reachable offline, so the image is not scanned; "
                "CI scans every release it records",
                "owner": str(meta.get("owner") or "unknown"),
                "approver": "paved-road platform (companyos release --local)",
                "expires": expires,
            }
        ]
    }
    path = ctx.out / "policy-exceptions.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def policy_gate(ctx: StageContext) -> str:
    report = ctx.out / "gate-report.json"
    ctx.facts["gate_report"] = report
    exceptions = gate_exceptions(ctx)
    _companyos(
        ctx,
        "preview",
        "--service",
        ctx.service,
        "--release",
        str(ctx.facts["record_path"]),
        "--policy-pack-config",
        str(gate_config(ctx)),
        "--json",
        str(report),
        *(["--exceptions", str(exceptions)] if exceptions else []),
        log="policy-gate",
    )
    return "gate-report.json"


# --- run: deploy locally, observe, traffic, post-deploy check --------------------------------------------------


def deploy(ctx: StageContext) -> str:
    """Run the built service (dist/) on loopback. The image itself is not run: `buildah run` has no port
    publishing here, so the deploy runs the same build output the image contains, and says so."""
    port, otlp = free_port(), free_port()
    ctx.facts.update(service_port=port, otlp_port=otlp)
    log = (ctx.out / "logs" / "service.log").open("w")
    process = subprocess.Popen(
        ["node", "--require", "./dist/tracing.js", "dist/server.js"],
        cwd=_dir(ctx),
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
    ctx.facts["service_pid"] = process.pid
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StageFailed(f"the service exited with {process.returncode}; see logs/service.log")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    ctx.facts["service_url"] = url
                    return f"{url} (built app from dist/, pid {process.pid})"
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise StageFailed("the service did not become ready within 30 s; see logs/service.log")


def observe(ctx: StageContext) -> str:
    prometheus = free_port()
    ctx.facts["prometheus_port"] = prometheus
    _companyos(
        ctx,
        "obs",
        "up",
        "--service",
        ctx.service,
        "--target",
        f"127.0.0.1:{ctx.facts['service_port']}",
        "--prometheus-port",
        str(prometheus),
        "--alertmanager-port",
        str(free_port()),
        "--otlp-port",
        str(ctx.facts["otlp_port"]),
        "--scrape-interval",
        "1s",
        "--evaluation-interval",
        "1s",
        "--work-dir",
        str(ctx.work / "obs"),
        log="observe",
    )
    ctx.facts["prometheus_url"] = f"http://127.0.0.1:{prometheus}"
    ctx.facts["started_obs"] = True
    return str(ctx.facts["prometheus_url"])


def traffic(ctx: StageContext) -> str:
    """Synthetic traffic spread over a few scrapes (bounded: ~200 requests in ~6 s), one with a known trace id."""
    url = str(ctx.facts["service_url"])
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
    ctx.facts["trace_id"] = TRACE_ID
    if failed:
        raise StageFailed(f"{failed} of 200 synthetic requests failed")
    time.sleep(3)  # two more scrapes so the last requests are counted
    return f"{sent} requests, trace {TRACE_ID}"


def check_deploy(ctx: StageContext) -> str:
    report = ctx.out / "check-deploy.json"
    ctx.facts["check_deploy_report"] = report
    _companyos(
        ctx,
        "check-deploy",
        "--url",
        str(ctx.facts["service_url"]),
        "--prometheus",
        str(ctx.facts["prometheus_url"]),
        "--service",
        ctx.service,
        "--window",
        "1m",
        "--json",
        str(report),
        log="check-deploy",
    )
    return "check-deploy.json"


def dashboard(ctx: StageContext) -> str:
    from datetime import UTC, datetime, timedelta

    from companyos.observability.dashboard import build_dashboard
    from companyos.observability.dashboard_render import render_dashboard_png

    end = datetime.now(UTC)
    out = ctx.out / "dashboard.png"
    report = render_dashboard_png(
        build_dashboard(_spec(ctx)), str(ctx.facts["prometheus_url"]), out, end - timedelta(minutes=2), end, 2
    )
    ctx.facts["dashboard_png"] = out
    empty = report.empty_panels()
    return "dashboard.png" + (f" (no data yet: {', '.join(empty)})" if empty else "")


LOCAL_STAGES = [
    StageSpec("scaffold", scaffold, None, "companyos new-service NAME"),
    StageSpec("install", install, "build", "npm ci"),
    StageSpec("build", build, "build", "npm run build"),
    StageSpec("test", test, "test", "node --test (JUnit, lcov)"),
    StageSpec("registry", registry, None, "companyos registry start"),
    StageSpec("image", image, "build", "companyos build SERVICE_DIR --registry HOST:PORT --tag VERSION"),
    StageSpec("sbom", sbom, "sbom", "companyos sbom SERVICE_DIR --image REF@DIGEST --out FILE --attach"),
    StageSpec("sign", sign, "sign", "companyos sign REF@DIGEST --key KEY"),
    StageSpec("verify", verify, "sign", "companyos verify REF:TAG --key PUB"),
    StageSpec("scan", scan, "sbom", "companyos scan ingest [REPORT] --out FILE"),
    StageSpec("attest", attest, "sign", "companyos attest REF@DIGEST --key KEY --type cyclonedx|vuln|slsaprovenance1"),
    StageSpec("record", record, "sign", "release record (release.json)"),
    StageSpec(
        "verify-attestations",
        verify_attestations,
        "sign",
        "companyos verify-attestations RECORD --key PUB --from-registry",
    ),
    StageSpec("policy-gate", policy_gate, "policy-gate", "companyos preview --service NAME --release FILE"),
    StageSpec("deploy", deploy, "deploy", "run the built service on loopback"),
    StageSpec("observe", observe, None, "companyos obs up"),
    StageSpec("traffic", traffic, "post-deploy", "synthetic requests"),
    StageSpec("check-deploy", check_deploy, "post-deploy", "companyos check-deploy --url URL --prometheus URL"),
    StageSpec("dashboard", dashboard, None, "render the golden dashboard to PNG"),
]
