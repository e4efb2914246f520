# Generated from companyos/contracts/conventions.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Names shared by the Pulumi program, the policy pack and the release tooling. Changing one is a
contract change: the pack and the components read the same constants."""

from __future__ import annotations

import re

# Governance labels on every Kubernetes object (values from the stanza).
LABEL_OWNER = "owner"
LABEL_RISK = "risk"
LABEL_DATA_CLASSIFICATION = "data-classification"
GOVERNANCE_LABELS = (LABEL_OWNER, LABEL_RISK, LABEL_DATA_CLASSIFICATION)

# Supply-chain evidence carried on the Deployment and its pod template, so the gate can check it offline.
ANNOTATION_PREFIX = "paved-road.dev/"
ANNOTATION_RELEASE_VERSION = ANNOTATION_PREFIX + "release-version"
ANNOTATION_GIT_COMMIT = ANNOTATION_PREFIX + "git-commit"
ANNOTATION_SBOM_DIGEST = ANNOTATION_PREFIX + "sbom-digest"
ANNOTATION_SBOM_LOCATION = ANNOTATION_PREFIX + "sbom-location"
ANNOTATION_SIGNATURE_REF = ANNOTATION_PREFIX + "signature-ref"
ANNOTATION_SIGNATURE = ANNOTATION_PREFIX + "signature"
ANNOTATION_SIGNATURE_PAYLOAD = ANNOTATION_PREFIX + "signature-payload"
ANNOTATION_SCAN = ANNOTATION_PREFIX + "vulnerability-scan"
ANNOTATION_SLO = ANNOTATION_PREFIX + "slo"
# The release's signed attestations (gzip + base64 of a JSON list of DSSE envelopes): on the workload's own
# metadata only, never the pod template, because it is large and pods gain nothing from it.
ANNOTATION_ATTESTATIONS = ANNOTATION_PREFIX + "attestations"

# The rules that verify signatures made by the release key; each takes the trusted keys in its own config
# (`trusted_public_keys`), so whoever writes a policy config sets the same keys in all of them.
TRUSTED_KEY_POLICIES = ("image-signature-verified", "image-attestations-verified")


def trusted_key_config(public_key_pems: list[str]) -> dict[str, dict[str, list[str]]]:
    """The policy-config entries that make `public_key_pems` the release keys every signature rule trusts."""
    return {policy: {"trusted_public_keys": list(public_key_pems)} for policy in TRUSTED_KEY_POLICIES}


# Status checks the branch protection requires: the CI workflow's job names.
REQUIRED_STATUS_CHECKS = ("build", "test", "sbom", "sign", "policy-gate")

# The policy pack reads the pull request's governance labels from this entry of its config file (written by the
# CI workflow's policy-gate job).
POLICY_CONFIG_POLICY = "pull-request-governance-labels"

# Pull-request label prefixes the gate requires (one of each).
PR_LABEL_PREFIXES = ("risk:", "data-classification:")

# The uid and gid a service's container runs as: the `node` user of the official node image (and of the local base
# image, companyos/supply_chain/base_image.py). The Deployment's securityContext sets them; the template's Dockerfile
# says `USER 1000:1000` (it cannot import this: tests/template/test_template_currency.py holds it to these values).
SERVICE_UID = 1000
SERVICE_GID = 1000

# Grafana's dashboard sidecar picks up ConfigMaps with this label (kube-prometheus-stack default).
GRAFANA_DASHBOARD_LABEL = {"grafana_dashboard": "1"}

# Files the platform commits into each service repository.
WORKFLOW_PATH = ".github/workflows/ci.yml"
# A service's name: a DNS-1123 label short enough to prefix Kubernetes objects, stacks and repositories. The same
# rule is written into services.schema.json, policy-exceptions.schema.json and the template's copier.yml (data files
# that cannot import it); tests/test_naming_rules.py holds them to these values.
SERVICE_NAME_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
MAX_SERVICE_NAME_LENGTH = 40
# An owning team: a GitHub team slug (services.schema.json `owner`).
OWNER_PATTERN = r"^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$"
MAX_OWNER_LENGTH = 63


def is_service_name(name: str) -> bool:
    return len(name) <= MAX_SERVICE_NAME_LENGTH and re.match(SERVICE_NAME_PATTERN, name) is not None


def is_owner(owner: str) -> bool:
    return len(owner) <= MAX_OWNER_LENGTH and re.match(OWNER_PATTERN, owner) is not None


SERVICE_METADATA_PATH = "service.yaml"
CODEOWNERS_PATH = "CODEOWNERS"
