"""Where the CI workflow writes what it produces: the files each job uploads as artifacts and later jobs read."""

from __future__ import annotations

OUT = "out"
SBOM_DIR = f"{OUT}/sbom"
SCAN_DIR = f"{OUT}/scan"
SIGN_DIR = f"{OUT}/sign"
RELEASE_DIR = f"{OUT}/release"
POLICY_DIR = f"{OUT}/policy"
TEST_DIR = f"{OUT}/test"
EVIDENCE_DIR = f"{OUT}/evidence"
ARTIFACTS_DIR = f"{OUT}/artifacts"
MERGED_SBOM = f"{SBOM_DIR}/sbom.cdx.json"
SCAN_REPORT = f"{SCAN_DIR}/grype.json"
RELEASE_RECORD = f"{RELEASE_DIR}/release.json"
POLICY_CONFIG = f"{POLICY_DIR}/config.json"
POST_DEPLOY_REPORT = f"{OUT}/post-deploy.json"
VULN_PREDICATE = f"{SIGN_DIR}/vuln.json"
PROVENANCE_PREDICATE = f"{SIGN_DIR}/provenance.json"
ATTESTATIONS = f"{SIGN_DIR}/attestations.jsonl"
# What the sign job attests (cosign --type, predicate file); the policy gate requires all three.
ATTESTED_PREDICATES = (("cyclonedx", MERGED_SBOM), ("vuln", VULN_PREDICATE), ("slsaprovenance1", PROVENANCE_PREDICATE))
# Artifact names that a later job (and `companyos evidence`, from actions/download-artifact's one folder per
# artifact) reads back.
RELEASE_RECORD_ARTIFACT = "release-record"
TEST_REPORT_ARTIFACT = "test-report"
JUNIT_REPORT = f"{TEST_DIR}/junit.xml"
