"""Supply-chain stages: the image, its SBOM, its signature and attestations, the scan and the release record, as
the CI `build`, `sbom` and `sign` jobs make them, by the same functions those jobs' commands call."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import uuid
from dataclasses import asdict

from companyos.contracts.release_record import ImageRef
from companyos.release.runner import StageContext
from companyos.release.stages.gate import unscanned_waiver
from companyos.release.state import SigningKey, StageFailed, Waived
from companyos.supply_chain.build import build_service
from companyos.supply_chain.cosign import verify_reference
from companyos.supply_chain.intoto import COSIGN_TYPES, CYCLONEDX_PREDICATE, SLSA_PROVENANCE_V1, VULN_PREDICATE
from companyos.supply_chain.keys import public_key_fingerprint, write_key_pair
from companyos.supply_chain.password import PASSWORD_ENV
from companyos.supply_chain.predicates import rfc3339_now, scan_predicate
from companyos.supply_chain.provenance import LOCAL_BUILDER_ID, BuildFacts, service_provenance
from companyos.supply_chain.publish import attest_pushed_image, sign_pushed_image, write_signature_evidence
from companyos.supply_chain.record_attestations import judge_record, verdict_report
from companyos.supply_chain.registry import registry_status, start_registry
from companyos.supply_chain.release import attestation_refs, record_release
from companyos.supply_chain.sbom_release import produce_sbom
from companyos.supply_chain.signature_store import registry_fetcher
from companyos.supply_chain.vulnerabilities import load_report, not_scanned
from companyos.support.files import atomic_write, atomic_write_json


def registry(ctx: StageContext) -> str:
    data_dir = ctx.work / "registry"
    if not registry_status(data_dir).running:
        status = start_registry(data_dir, ctx.state.registry_port)
        ctx.state.started_registry = True
        ctx.note("registry", status.detail)
    return f"127.0.0.1:{ctx.state.registry_port}"


def image(ctx: StageContext) -> str:
    built = build_service(
        ctx.state.service_dir, f"127.0.0.1:{ctx.state.registry_port}", ctx.work, tag=ctx.version, base_image=None
    )
    ctx.state.image = ImageRef(built.repository, built.digest, built.tag)
    ctx.state.build_facts = asdict(built)
    ctx.note("image", f"built {built.repository}:{built.tag} (base {built.base_image or 'from the Dockerfile'})")
    return built.pinned


def sbom(ctx: StageContext) -> str:
    path = ctx.out / "sbom.cdx.json"
    # Tools go to <work>/tools (COMPANYOS_TOOLS_DIR may name a shared cache): the work dir holds all a release writes.
    result = produce_sbom(
        ctx.state.service_dir, path, ctx.work, image=ctx.state.pushed_image().pinned, attach=True, version=ctx.version
    )
    ctx.note("sbom", f"{result.components} components, {result.edges} edges, {result.orphans} orphans")
    ctx.state.sbom_path, ctx.state.sbom_location = path, result.location
    return "sbom.cdx.json"


def keys(ctx: StageContext) -> SigningKey:
    """The local signing key: made once per work tree, its password beside it (mode 0600), never in the repo."""
    folder = ctx.work / "keys"
    password_file = folder / "cosign.password"
    if not (folder / "cosign.key").exists():
        folder.mkdir(parents=True, exist_ok=True)
        password = os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(24)
        password_file.write_text(password)
        password_file.chmod(0o600)
        write_key_pair(folder / "cosign", password.encode(), force=True)
    password = os.environ.get(PASSWORD_ENV) or password_file.read_text()
    return SigningKey(folder / "cosign.key", folder / "cosign.pub", password.encode())


def sign(ctx: StageContext) -> str:
    key = ctx.state.key = keys(ctx)
    pushed = ctx.state.pushed_image()
    private_key = key.loaded
    evidence = sign_pushed_image(pushed.repository, pushed.digest, private_key)
    write_signature_evidence(ctx.out / "signature.json", evidence)
    ctx.state.signature = evidence
    if ctx.state.tamper is not None:
        ctx.state.tamper(ctx)  # a demonstration hook: re-point the tag after signing (see `--tamper-tag`)
    return "signature.json"


def verify(ctx: StageContext) -> str:
    """Verify by TAG, as a deploy that trusts a tag would: the tag must still name the signed digest. Only a verdict
    is evidence: a check that could not run (registry down) writes no file, so the pack says "not checked"."""
    result_path = ctx.out / "verify.json"
    result_path.unlink(missing_ok=True)  # a previous run's verdict must not stand in for this one
    pushed, key = ctx.state.pushed_image(), ctx.state.signing_key()
    result = verify_reference(pushed.tag_ref, [key.public_key.read_bytes()], registry_fetcher(), digest=pushed.digest)
    atomic_write_json(result_path, result.to_dict())
    ctx.state.verify_result = result_path
    if not result.verified:
        raise StageFailed(f"signature verification of {pushed.tag_ref} failed ({result.reason}: {result.detail})")
    return "verify.json"


def scan(ctx: StageContext) -> str | Waived:
    """Ingest the scanner's report; without one (no vulnerability database is reachable offline) the release is
    not scanned, and that is a waiver: a reviewed exception the gate will show, and `waived` in the evidence."""
    path = ctx.out / "scan.json"
    report = ctx.state.scan_report
    summary = load_report(report, ctx.state.scan_format) if report else not_scanned()
    atomic_write_json(path, asdict(summary))
    ctx.state.scan, ctx.state.scan_path = summary, path
    if report is not None:
        return "scan.json"
    ctx.state.waiver, exception = unscanned_waiver(ctx)
    return Waived(
        "scan.json (not-scanned)",
        f"not scanned, waived by exception ({exception['rule']} {exception['setting']}, owner {exception['owner']}, "
        f"approved by {exception['approver']}, expires {exception['expires']}; policy-exceptions.yaml)",
    )


def attest(ctx: StageContext) -> str:
    """Attest the SBOM, the scan (when there was one) and the build's provenance, as the CI `sign` job does."""
    pushed, key = ctx.state.pushed_image(), ctx.state.signing_key()
    private_key = key.loaded
    sbom_path, report = ctx.state.sbom(), ctx.state.scan_report
    ctx.state.git_commit = _git_commit(ctx)
    build = ctx.state.build_facts
    provenance = service_provenance(
        BuildFacts(
            service=ctx.service,
            version=ctx.version,
            service_dir=ctx.state.service_dir,
            git_commit=ctx.state.git_commit,
            source_uri=f"git+file://{ctx.state.service_dir.resolve()}@refs/heads/main",
            base_image=str(build.get("base_image", "")),
            builder_id=LOCAL_BUILDER_ID,
            invocation_id=f"urn:uuid:{uuid.uuid4()}",
            started_on=str(build.get("built_at") or rfc3339_now()),
            finished_on=rfc3339_now(),
            sbom=sbom_path,
            scan_report=report,
        )
    )
    predicates: list[tuple[str, object]] = [(CYCLONEDX_PREDICATE, json.loads(sbom_path.read_bytes()))]
    if report is not None and ctx.state.scan is not None:
        now = rfc3339_now()
        predicates.append((VULN_PREDICATE, scan_predicate(ctx.state.scan, started_on=now, finished_on=now)))
    predicates.append((SLSA_PROVENANCE_V1, provenance))
    folder = ctx.out / "attestations"
    atomic_write_json(folder / "provenance.json", provenance)
    lines = []
    for predicate_type, predicate in predicates:
        layer = attest_pushed_image(pushed.repository, pushed.digest, predicate_type, predicate, private_key)
        atomic_write(folder / f"{COSIGN_TYPES[predicate_type]}.dsse.json", layer.envelope + b"\n")
        lines.append(layer.envelope + b"\n")
        ctx.note("attest", f"attested {pushed.pinned} ({predicate_type}) at {layer.repository}:{layer.tag}")
    # One envelope per line, as `cosign download attestation` prints them.
    atomic_write(ctx.out / "attestations.jsonl", b"".join(lines))
    ctx.state.envelopes = [json.loads(line) for line in lines]
    return "attestations.jsonl (" + ", ".join(COSIGN_TYPES[kind] for kind, _ in predicates) + ")"


def _git_commit(ctx: StageContext) -> str:
    directory = ctx.state.service_dir
    done = subprocess.run(["git", "-C", str(directory), "rev-parse", "HEAD"], capture_output=True, text=True)
    if done.returncode != 0:
        raise StageFailed(
            f"{directory} is not a git checkout with a commit ({done.stderr.strip()}); provenance and "
            "the release record name the source commit"
        )
    return done.stdout.strip()


def record(ctx: StageContext) -> str:
    pushed = ctx.state.pushed_image()
    release, path = record_release(
        service=ctx.service,
        version=ctx.version,
        image_repository=pushed.repository,
        digest=pushed.digest,
        sbom_path=ctx.state.sbom(),
        sbom_location=ctx.state.sbom_location,
        signature=ctx.state.signature,
        scan=ctx.state.scan,
        git_commit=ctx.state.git_commit,
        work=ctx.work,
        tag=ctx.version,
        attestations=attestation_refs(ctx.state.envelopes, pushed.repository, pushed.digest),
    )
    ctx.state.record, ctx.state.record_path = release, path
    return str(path.relative_to(ctx.out)) if path.is_relative_to(ctx.out) else str(path)


def verify_attestations(ctx: StageContext) -> str:
    """Read the attestations back from the registry's `.att` tag and judge them against the record, as a deploy
    would: a record that carried envelopes the registry does not hold fails here."""
    result_path = ctx.out / "attestations-verify.json"
    result_path.unlink(missing_ok=True)
    release, _ = ctx.state.release_record()
    public_key = ctx.state.signing_key().public_key.read_bytes()
    verdict = judge_record(release, [public_key], from_registry=True)
    atomic_write_json(result_path, verdict_report(release, verdict))
    ctx.state.attestations_result = result_path
    if not verdict.ok:
        raise StageFailed(f"the attestations of {release.image.pinned} do not verify ({'; '.join(verdict.problems)})")
    ctx.note("verify-attestations", f"verified by {public_key_fingerprint(public_key)}: {verdict.summary()}")
    return "attestations-verify.json"
