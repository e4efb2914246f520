"""The stages of a local release, in order. Each calls the function the `companyos` command of the service's CI
job named by `ci_job` calls (or runs the same npm script), so a local release and a CI release cannot drift."""

from __future__ import annotations

from companyos.release.runner import StageSpec
from companyos.release.stages import gate, runtime, source, supply_chain

LOCAL_STAGES = [
    StageSpec("scaffold", source.scaffold, None, "companyos new-service NAME"),
    StageSpec("install", source.install, "build", "npm ci"),
    StageSpec("build", source.build, "build", "npm run build"),
    StageSpec("test", source.test, "test", "node --test (JUnit, lcov)"),
    StageSpec("registry", supply_chain.registry, None, "companyos registry start"),
    StageSpec("image", supply_chain.image, "build", "companyos build SERVICE_DIR --registry HOST:PORT --tag VERSION"),
    StageSpec("sbom", supply_chain.sbom, "sbom", "companyos sbom SERVICE_DIR --image REF@DIGEST --out FILE --attach"),
    StageSpec("sign", supply_chain.sign, "sign", "companyos sign REF@DIGEST --key KEY"),
    StageSpec("verify", supply_chain.verify, "sign", "companyos verify REF:TAG --key PUB --digest DIGEST"),
    StageSpec("scan", supply_chain.scan, "sbom", "companyos scan ingest [REPORT] --out FILE"),
    StageSpec(
        "attest",
        supply_chain.attest,
        "sign",
        "companyos attest REF@DIGEST --key KEY --type cyclonedx|vuln|slsaprovenance1",
    ),
    StageSpec("record", supply_chain.record, "sign", "companyos record (release.json)"),
    StageSpec(
        "verify-attestations",
        supply_chain.verify_attestations,
        "sign",
        "companyos verify-attestations RECORD --key PUB --from-registry",
    ),
    StageSpec("policy-gate", gate.policy_gate, "policy-gate", "companyos preview --service NAME --release FILE"),
    StageSpec("deploy", runtime.deploy, "deploy", "run the built service on loopback"),
    StageSpec("observe", runtime.observe, None, "companyos obs up"),
    StageSpec("traffic", runtime.traffic, "post-deploy", "synthetic requests"),
    StageSpec("check-deploy", runtime.check_deploy, "post-deploy", "companyos check-deploy --url URL --prometheus URL"),
    StageSpec("dashboard", runtime.dashboard, None, "render the golden dashboard to PNG"),
]
