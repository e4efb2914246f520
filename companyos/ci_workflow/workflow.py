"""Rendering the GitHub Actions workflow every paved-road service runs (`.github/workflows/ci.yml`).

Pipeline: build -> sbom -> sign -> policy-gate -> deploy (main only) -> post-deploy, with test beside
build. Every job starts with no permissions and is granted only what it uses; every `run:` script reads
event data and job outputs from `env:`, never from `${{ }}` inside the script (template injection).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from companyos.catalog.model import DEFAULT_IMAGE_REGISTRY, ServiceSpec
from companyos.contracts.conventions import (
    REQUIRED_STATUS_CHECKS,
    WORKFLOW_PATH,
)
from companyos.contracts.errors import UserError

PINS_PATH = Path(__file__).with_name("actions.yaml")

# Job ids are a contract: branch protection requires the first five as status checks.
JOB_NAMES = (*REQUIRED_STATUS_CHECKS, "deploy", "post-deploy")


# A high-risk service blocks on medium findings; a low-risk one only on critical (grype severities).
SEVERITY_CUTOFF_BY_RISK = {"low": "critical", "medium": "high", "high": "medium"}

# What each job's GITHUB_TOKEN may do, and why; anything not listed is `none`. The reasons are written
# into the workflow as comments. Artifacts of the same run need no permission (runtime token).
JOB_PERMISSIONS: dict[str, dict[str, tuple[str, str]]] = {
    "build": {"contents": ("read", "check out the service"), "packages": ("write", "push the image to ghcr.io")},
    "test": {"contents": ("read", "check out the service")},
    "sbom": {"contents": ("read", "check out the service"), "packages": ("read", "syft pulls the pushed image")},
    "sign": {
        "contents": ("read", "check out the service (Dockerfile, lockfile: the provenance's inputs)"),
        "packages": ("write", "push the signature and the attestations next to the image"),
    },
    "policy-gate": {
        "contents": ("read", "check out the service (service.yaml)"),
        "pull-requests": ("read", "the pull request's governance labels"),
    },
    "deploy": {"packages": ("read", "cosign reads the signature and attestations")},
    "post-deploy": {},
}

RUNNER = "ubuntu-24.04"  # a fixed image, not ubuntu-latest: a runner upgrade is a reviewed change here
DEPLOY_ENVIRONMENT = "dev"
REGISTRY_HOST = "ghcr.io"

_SERVICE_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")  # the catalogue's DNS-1123 label rule
_COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")
_USES_LINE = re.compile(r"^(\s*(?:- )?uses: )(\S+)@([0-9a-f]{40})$", re.MULTILINE)

# Where the workflow writes what it produces (uploaded as artifacts, read by later jobs).
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

IMAGE = '"$IMAGE_REPOSITORY@$IMAGE_DIGEST"'
# A job output is data from another job: check its shape before it reaches a registry command.
DIGEST_GUARD = (
    '[[ "$IMAGE_DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || '
    '{ echo "::error::build job output digest is not sha256:<64 hex>: $IMAGE_DIGEST"; exit 1; }'
)


@dataclass(frozen=True)
class ActionPin:
    name: str
    sha: str
    tag: str
    confirmed: str

    @property
    def uses(self) -> str:
        return f"{self.name}@{self.sha}"


@dataclass(frozen=True)
class Pins:
    actions: dict[str, ActionPin]
    tools: dict[str, str]

    def uses(self, action: str) -> str:
        try:
            return self.actions[action].uses
        except KeyError:
            raise UserError(
                f"{PINS_PATH}: no pin for action '{action}'. Fix: add actions.{action} with sha, tag "
                "and confirmed (where the sha was checked to be that tag)."
            ) from None

    def tool(self, name: str) -> str:
        try:
            return self.tools[name]
        except KeyError:
            raise UserError(f"{PINS_PATH}: no version for tool '{name}'. Fix: add tools.{name}.") from None


@lru_cache(maxsize=4)
def load_pins(path: Path = PINS_PATH) -> Pins:
    """Read and check the pins file; every action must be a full commit sha with its tag and provenance."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"{path}: the CI action pins file is missing. Fix: restore it from the platform repository "
            "(it must ship as package data of `companyos`)."
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc}). Fix: correct the syntax.") from None
    problems: list[str] = []
    actions: dict[str, ActionPin] = {}
    raw_actions = data.get("actions") if isinstance(data, dict) else None
    raw_tools = data.get("tools") if isinstance(data, dict) else None
    if not isinstance(raw_actions, dict) or not raw_actions:
        problems.append("actions: missing or empty mapping of owner/repo -> {sha, tag, confirmed}")
        raw_actions = {}
    for name, pin in raw_actions.items():
        pin = pin if isinstance(pin, dict) else {}
        sha, tag, confirmed = (str(pin.get(key, "")) for key in ("sha", "tag", "confirmed"))
        if not _COMMIT_SHA.match(sha):
            problems.append(f"actions.{name}.sha: '{sha}' is not a full 40-hex commit sha")
        if not tag:
            problems.append(f"actions.{name}.tag: missing (the release tag the sha is, e.g. v4.2.2)")
        if not confirmed:
            problems.append(f"actions.{name}.confirmed: missing (where the sha was checked to be that tag)")
        actions[str(name)] = ActionPin(name=str(name), sha=sha, tag=tag, confirmed=confirmed)
    if not isinstance(raw_tools, dict):
        problems.append("tools: missing mapping of tool -> exact version")
        raw_tools = {}
    if problems:
        raise UserError(
            f"{path}: invalid pins:\n  - " + "\n  - ".join(problems) + "\n  Fix: edit the entries named above."
        )
    return Pins(actions=actions, tools={str(k): str(v) for k, v in raw_tools.items()})


# --- rendering ------------------------------------------------------------------------------------------


def render_ci_workflow(spec: ServiceSpec, *, image_registry: str = DEFAULT_IMAGE_REGISTRY) -> str:
    """The service's `.github/workflows/ci.yml`: deterministic text, same spec -> same bytes."""
    if not _SERVICE_NAME.match(spec.name or "") or len(spec.name) > 40:
        raise UserError(
            f"service '{spec.name}' (line {spec.line}): name must be a DNS-1123 label of at most 40 "
            "characters to be used in the CI workflow. Fix: rename the stanza in services.yaml."
        )
    if spec.risk not in SEVERITY_CUTOFF_BY_RISK:
        raise UserError(
            f"service '{spec.name}': risk '{spec.risk}' has no vulnerability cutoff. Fix: use one of "
            f"{', '.join(SEVERITY_CUTOFF_BY_RISK)} in services.yaml."
        )
    image_registry = image_registry.rstrip("/")
    if not image_registry.startswith(REGISTRY_HOST + "/") or image_registry != image_registry.lower():
        raise UserError(
            f"image registry '{image_registry}': the workflow pushes with the repository's GITHUB_TOKEN, "
            f"which only reaches {REGISTRY_HOST}. Fix: set defaults.image_registry in services.yaml to "
            f"{REGISTRY_HOST}/<lower-case owner>."
        )
    pins = load_pins()
    workflow = _workflow(spec, f"{image_registry}/{spec.name}", pins)
    body = yaml.dump(
        workflow, Dumper=_WorkflowDumper, sort_keys=False, width=4096, allow_unicode=True, default_flow_style=False
    )
    tags = {pin.sha: pin.tag for pin in pins.actions.values()}
    body = _USES_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}@{m.group(3)} # {tags[m.group(3)]}", body)
    return _header(spec) + _comment_permissions(body)


def _comment_permissions(body: str) -> str:
    """Append each job permission's reason as a comment (YAML emitters drop comments, so add them after)."""
    lines = body.split("\n")
    job, in_permissions = "", False
    for index, line in enumerate(lines):
        if match := re.match(r"^  ([a-z-]+):$", line):
            job, in_permissions = match.group(1), False
        elif line == "    permissions:":
            in_permissions = True
        elif in_permissions and (match := re.match(r"^      ([a-z-]+): [a-z]+$", line)):
            lines[index] = f"{line}  # {JOB_PERMISSIONS[job][match.group(1)][1]}"
        else:
            in_permissions = False
    return "\n".join(lines)


def _header(spec: ServiceSpec) -> str:
    return (
        f"# Generated by the Paved Road platform for service '{spec.name}' (companyos.ci_workflow).\n"
        f"# Do not edit {WORKFLOW_PATH} in the service repository: the platform rewrites it on every\n"
        "# `pulumi up`. To change it, change companyos/ci_workflow/ (or the action pins in\n"
        "# companyos/ci_workflow/actions.yaml) in the platform repository and open a pull request there.\n"
        "#\n"
        "# Repository variables: PLATFORM_REPO (owner/name of the platform repository), PLATFORM_REF (the\n"
        "# platform commit or tag to run), COSIGN_PUBLIC_KEY, SERVICE_URL, PROMETHEUS_URL.\n"
        "# Secrets: COSIGN_PRIVATE_KEY, COSIGN_PASSWORD; PULUMI_ACCESS_TOKEN, or PULUMI_BACKEND_URL with\n"
        "# PULUMI_CONFIG_PASSPHRASE for a self-managed backend; PLATFORM_REPO_TOKEN if the platform\n"
        "# repository is private (read-only contents).\n"
    )


def _workflow(spec: ServiceSpec, image_repository: str, pins: Pins) -> dict[str, Any]:
    return {
        "name": "ci",
        "on": {
            # labeled/unlabeled: the policy gate judges the PR's labels, so a label change re-runs it.
            "pull_request": {
                "branches": ["main"],
                "types": ["opened", "synchronize", "reopened", "labeled", "unlabeled"],
            },
            "push": {"branches": ["main"]},
        },
        # Nothing by default; each job lists what it uses (zizmor excessive-permissions).
        "permissions": {},
        "concurrency": {
            "group": "ci-${{ github.ref }}",
            # A newer push to a PR supersedes the old run; runs on main finish, so a deploy is never cut.
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        "env": {
            "SERVICE_NAME": spec.name,
            "IMAGE_REPOSITORY": image_repository,
        },
        "defaults": {"run": {"shell": "bash"}},
        "jobs": {
            "build": _build_job(pins),
            "test": _test_job(pins),
            "sbom": _sbom_job(spec, pins),
            "sign": _sign_job(pins),
            "policy-gate": _policy_gate_job(spec, pins),
            "deploy": _deploy_job(spec, pins),
            "post-deploy": _post_deploy_job(pins),
        },
    }


def _job(name: str, timeout: int, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    job: dict[str, Any] = {"name": name}
    if "needs" in extra:
        job["needs"] = extra.pop("needs")
    if "if" in extra:
        job["if"] = extra.pop("if")
    job["runs-on"] = RUNNER
    job["timeout-minutes"] = timeout
    job["permissions"] = {scope: level for scope, (level, _why) in JOB_PERMISSIONS[name].items()}
    job.update(extra)
    job["steps"] = steps
    return job


def _checkout(pins: Pins) -> dict[str, Any]:
    # persist-credentials: false keeps the token out of .git/config, where later steps could read it.
    return {
        "name": "Check out the service",
        "uses": pins.uses("actions/checkout"),
        "with": {"persist-credentials": False},
    }


def _setup_node(pins: Pins, *, cache: bool = True) -> list[dict[str, Any]]:
    setup: dict[str, Any] = {"node-version": pins.tool("node")}
    if cache:
        setup["cache"] = "npm"
    else:
        setup["package-manager-cache"] = False  # setup-node >= 5 caches npm unless told not to
    return [
        {"name": "Set up Node.js", "uses": pins.uses("actions/setup-node"), "with": setup},
        {"name": "Install dependencies (lockfile only)", "run": "npm ci"},
    ]


def _registry_login(pins: Pins) -> dict[str, Any]:
    return {
        "name": f"Log in to {REGISTRY_HOST} with the job's GITHUB_TOKEN",
        "uses": pins.uses("docker/login-action"),
        "with": {
            "registry": REGISTRY_HOST,
            "username": "${{ github.actor }}",
            "password": "${{ secrets.GITHUB_TOKEN }}",
        },
    }


def _cosign(pins: Pins) -> dict[str, Any]:
    return {
        "name": "Install cosign",
        "uses": pins.uses("sigstore/cosign-installer"),
        "with": {"cosign-release": pins.tool("cosign")},
    }


def _platform(pins: Pins) -> list[dict[str, Any]]:
    """Check out the platform at the pinned ref and install it (CLI + Pulumi program) into a virtualenv on PATH."""
    return [
        {
            "name": "Require a pinned platform ref",
            "env": {"PLATFORM_REPO": "${{ vars.PLATFORM_REPO }}", "PLATFORM_REF": "${{ vars.PLATFORM_REF }}"},
            "run": 'if [[ -z "$PLATFORM_REPO" || -z "$PLATFORM_REF" ]]; then\n'
            '  echo "::error::repository variables PLATFORM_REPO and PLATFORM_REF must be set (the platform '
            'sets them on pulumi up)"\n'
            "  exit 1\n"
            "fi\n",
        },
        {
            "name": "Check out the platform (companyos CLI, Pulumi program, policy pack)",
            "uses": pins.uses("actions/checkout"),
            "with": {
                "repository": "${{ vars.PLATFORM_REPO }}",
                "ref": "${{ vars.PLATFORM_REF }}",
                "path": "platform",
                "token": "${{ secrets.PLATFORM_REPO_TOKEN || github.token }}",
                "persist-credentials": False,
            },
        },
        # platform/.venv is the virtualenv Pulumi.yaml names, so `pulumi preview|up` runs the program with
        # exactly this install; editable, so the program and the CLI read the checked-out files.
        {
            "name": "Install the companyos CLI and the Pulumi program's dependencies",
            "run": "python3 -m venv platform/.venv\n"
            "platform/.venv/bin/pip install --quiet --editable ./platform\n"
            'echo "$GITHUB_WORKSPACE/platform/.venv/bin" >> "$GITHUB_PATH"\n',
        },
    ]


def _policy_pack_venv() -> dict[str, Any]:
    # The pack runs in its own virtualenv (PulumiPolicy.yaml: virtualenv venv), built from its requirements.txt
    # alone: what `pulumi policy publish` would ship, nothing of the platform's install.
    pack = "platform/policypacks/paved-road"
    return {
        "name": "Install the policy pack's own virtualenv (its requirements.txt only)",
        "run": f"python3 -m venv {pack}/venv\n{pack}/venv/bin/pip install --quiet -r {pack}/requirements.txt\n",
    }


def _upload(pins: Pins, name: str, path: str, *, always: bool = True) -> dict[str, Any]:
    step: dict[str, Any] = {"name": f"Upload {name}"}
    if always:
        step["if"] = "${{ !cancelled() }}"  # a failed check's report is the evidence of why it failed
    step["uses"] = pins.uses("actions/upload-artifact")
    step["with"] = {"name": name, "path": path, "if-no-files-found": "error"}
    return step


def _download(pins: Pins, name: str, path: str) -> dict[str, Any]:
    return {
        "name": f"Download {name}",
        "uses": pins.uses("actions/download-artifact"),
        "with": {"name": name, "path": path},
    }


def _pulumi(pins: Pins, spec: ServiceSpec, command: str) -> dict[str, Any]:
    """`pulumi preview|up` of the service's dev stack from the platform checkout, with the policy pack."""
    return {
        "name": f"pulumi {command} {spec.name}-{DEPLOY_ENVIRONMENT} with the paved-road policy pack",
        "uses": pins.uses("pulumi/actions"),
        "with": {
            "command": command,
            "stack-name": f"{spec.name}-{DEPLOY_ENVIRONMENT}",
            "work-dir": "platform",
            "pulumi-version": pins.tool("pulumi"),
            "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
            "policyPacks": "${{ github.workspace }}/platform/policypacks/paved-road",
            "policyPackConfigs": f"${{{{ github.workspace }}}}/{POLICY_CONFIG}",
            "config-map": (
                f"paved-road:service: {{value: {spec.name}, secret: false}}\n"
                f"paved-road:releaseRecord: {{value: '${{{{ github.workspace }}}}/{RELEASE_RECORD}', secret: false}}\n"
            ),
            "comment-on-pr": False,
        },
        "env": {
            "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
            "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        },
    }


def _build_job(pins: Pins) -> dict[str, Any]:
    return _job(
        "build",
        20,
        [
            _checkout(pins),
            # No dependency cache in the job that publishes: a cache written by a PR run could otherwise
            # reach the image (zizmor cache-poisoning).
            *_setup_node(pins, cache=False),
            {"name": "Build", "run": "npm run build"},
            {"name": "Set up Docker Buildx", "uses": pins.uses("docker/setup-buildx-action")},
            _registry_login(pins),
            {
                "name": "Build and push the image by digest",
                "id": "push",
                "uses": pins.uses("docker/build-push-action"),
                "with": {
                    "context": ".",
                    # No tag: everything downstream (SBOM, signature, release record, Deployment) names the digest.
                    "outputs": "type=image,name=${{ env.IMAGE_REPOSITORY }},push-by-digest=true,name-canonical=true,"
                    "push=true",
                    # One manifest, not an index with a provenance manifest: the digest cosign signs is the
                    # digest the cluster pulls.
                    "provenance": False,
                    "labels": "org.opencontainers.image.source=${{ github.server_url }}/${{ github.repository }}\n"
                    "org.opencontainers.image.revision=${{ github.sha }}\n",
                },
            },
        ],
        outputs={"digest": "${{ steps.push.outputs.digest }}"},
    )


def _test_job(pins: Pins) -> dict[str, Any]:
    return _job(
        "test",
        15,
        [
            _checkout(pins),
            *_setup_node(pins),
            {
                "name": "Test (JUnit report)",
                # node --test reads reporters from NODE_OPTIONS, so the template's `npm test` stays plain.
                "env": {
                    "NODE_OPTIONS": "--test-reporter=spec --test-reporter-destination=stdout "
                    f"--test-reporter=junit --test-reporter-destination={TEST_DIR}/junit.xml"
                },
                "run": f"mkdir -p {TEST_DIR}\nnpm test\n",
            },
            _upload(pins, "test-report", f"{TEST_DIR}/"),
        ],
    )


def _sbom_job(spec: ServiceSpec, pins: Pins) -> dict[str, Any]:
    cyclonedx = f"@cyclonedx/cyclonedx-npm@{pins.tool('cyclonedx-npm')}"
    return _job(
        "sbom",
        20,
        [
            _checkout(pins),
            *_setup_node(pins),
            {
                "name": "App SBOM (CycloneDX, runtime dependencies)",
                "run": f"mkdir -p {SBOM_DIR} {SCAN_DIR}\n"
                f"npx --yes {cyclonedx} --omit dev --spec-version 1.6 --output-reproducible \\\n"
                f"  --output-format JSON --output-file {SBOM_DIR}/app.cdx.json\n",
            },
            {
                "name": "Image SBOM (syft)",
                "uses": pins.uses("anchore/sbom-action"),
                "with": {
                    "image": "${{ env.IMAGE_REPOSITORY }}@${{ needs.build.outputs.digest }}",
                    "registry-username": "${{ github.actor }}",
                    "registry-password": "${{ secrets.GITHUB_TOKEN }}",
                    "format": "cyclonedx-json",
                    "output-file": f"{SBOM_DIR}/image.cdx.json",
                    "upload-artifact": False,
                    "upload-release-assets": False,
                },
            },
            *_platform(pins),
            {
                "name": "Merge the app and image SBOMs",
                "id": "merge",
                "env": {"IMAGE_DIGEST": "${{ needs.build.outputs.digest }}"},
                "run": f"companyos sbom-merge {SBOM_DIR}/app.cdx.json {SBOM_DIR}/image.cdx.json --image {IMAGE} "
                f"--out {MERGED_SBOM}\n"
                f'echo "digest=sha256:$(sha256sum {MERGED_SBOM} | cut -d" " -f1)" >> "$GITHUB_OUTPUT"\n',
            },
            {
                "name": f"Vulnerability scan (grype; fails on {SEVERITY_CUTOFF_BY_RISK[spec.risk]} or worse, "
                f"risk {spec.risk})",
                "uses": pins.uses("anchore/scan-action"),
                "with": {
                    "sbom": MERGED_SBOM,
                    "fail-build": True,
                    "severity-cutoff": SEVERITY_CUTOFF_BY_RISK[spec.risk],
                    "output-format": "json",
                    "output-file": SCAN_REPORT,
                },
            },
            _upload(pins, "sbom", f"{SBOM_DIR}/"),
            _upload(pins, "vulnerability-scan", f"{SCAN_DIR}/"),
        ],
        needs=["build"],
        outputs={"sbom-digest": "${{ steps.merge.outputs.digest }}"},
    )


def _sign_job(pins: Pins) -> dict[str, Any]:
    digest_env = {"IMAGE_DIGEST": "${{ needs.build.outputs.digest }}"}
    public_key_env = {**digest_env, "COSIGN_PUBLIC_KEY": "${{ vars.COSIGN_PUBLIC_KEY }}"}
    # The private key reaches this job only: the signature and every attestation are made here.
    private_key_env = {
        **digest_env,
        "COSIGN_PRIVATE_KEY": "${{ secrets.COSIGN_PRIVATE_KEY }}",
        "COSIGN_PASSWORD": "${{ secrets.COSIGN_PASSWORD }}",
    }
    return _job(
        "sign",
        15,
        [
            _checkout(pins),
            _cosign(pins),
            _registry_login(pins),
            _download(pins, "sbom", SBOM_DIR),
            _download(pins, "vulnerability-scan", SCAN_DIR),
            *_platform(pins),
            {
                "name": "Write the vulnerability-scan and SLSA provenance predicates",
                # GITHUB_* are the runner's own variables: no expression is expanded into the script.
                "run": f"mkdir -p {SIGN_DIR}\n"
                f"companyos predicate vuln {SCAN_REPORT} --format grype --out {VULN_PREDICATE}\n"
                'companyos predicate provenance . --service "$SERVICE_NAME" --version "${GITHUB_SHA:0:12}" \\\n'
                '  --git-commit "$GITHUB_SHA" --source-uri "git+$GITHUB_SERVER_URL/$GITHUB_REPOSITORY@$GITHUB_REF" \\\n'
                '  --builder-id "$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF" \\\n'
                '  --invocation-id "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/'
                '$GITHUB_RUN_ATTEMPT" \\\n'
                f"  --sbom {MERGED_SBOM} --scan-report {SCAN_REPORT} --out {PROVENANCE_PREDICATE}\n",
            },
            {
                "name": "Sign the image digest and attest its SBOM, vulnerability scan and provenance",
                "env": private_key_env,
                "run": f"{DIGEST_GUARD}\n"
                f"cosign sign --yes --key env://COSIGN_PRIVATE_KEY {IMAGE}\n"
                + "".join(
                    f"cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type {kind} --predicate {path} {IMAGE}\n"
                    for kind, path in ATTESTED_PREDICATES
                ),
            },
            {
                "name": "Verify the signature and every attestation with the public key",
                "env": public_key_env,
                "run": f"{DIGEST_GUARD}\n"
                f"cosign verify --key env://COSIGN_PUBLIC_KEY {IMAGE} > {SIGN_DIR}/verify.json\n"
                + "".join(
                    f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {kind} {IMAGE} > /dev/null\n"
                    for kind, _ in ATTESTED_PREDICATES
                )
                + f"cosign download signature {IMAGE} > {SIGN_DIR}/signatures.json\n"
                f"cosign download attestation {IMAGE} > {ATTESTATIONS}\n",
            },
            {
                "name": "Write the release record (image digest, SBOM digest, signature, scan, attestations)",
                "env": public_key_env,
                "run": f'printf "%s\\n" "$COSIGN_PUBLIC_KEY" > {SIGN_DIR}/cosign.pub\n'
                f'companyos record "$SERVICE_NAME" --image {IMAGE} --git-commit "$GITHUB_SHA" '
                '--version "${GITHUB_SHA:0:12}" \\\n'
                f"  --sbom {MERGED_SBOM} --scan {SCAN_REPORT} --signatures {SIGN_DIR}/signatures.json "
                f"--attestations {ATTESTATIONS} \\\n"
                f"  --key {SIGN_DIR}/cosign.pub --out {RELEASE_RECORD}\n",
            },
            _upload(pins, "signature", f"{SIGN_DIR}/"),
            _upload(pins, "release-record", f"{RELEASE_DIR}/", always=False),
        ],
        needs=["build", "sbom"],
    )


# Each required PR label prefix and the service.yaml field (catalogue stanza field) that carries its value.
# One writer for the gate's policy config (companyos/ci_workflow/policy_config.py): the local release calls it in
# process, this job through `companyos policy-config`. Event data reaches it through env, never `${{ }}`.
_POLICY_CONFIG_SCRIPT = (
    'companyos policy-config --event "$EVENT_NAME" --pr-labels "$PR_LABELS" --pr-number "$PR_NUMBER" '
    f"--out {POLICY_CONFIG}\n"
)


def _policy_gate_job(spec: ServiceSpec, pins: Pins) -> dict[str, Any]:
    return _job(
        "policy-gate",
        20,
        [
            _checkout(pins),
            *_platform(pins),
            _download(pins, "release-record", RELEASE_DIR),
            {
                "name": "Write the policy config (governance labels, trusted signing key)",
                "env": {
                    "EVENT_NAME": "${{ github.event_name }}",
                    "COSIGN_PUBLIC_KEY": "${{ vars.COSIGN_PUBLIC_KEY }}",
                    "PR_NUMBER": "${{ github.event.pull_request.number }}",
                    "PR_LABELS": "${{ toJSON(github.event.pull_request.labels.*.name) }}",
                },
                "run": _POLICY_CONFIG_SCRIPT,
            },
            _upload(pins, "policy-config", f"{POLICY_DIR}/", always=False),
            _policy_pack_venv(),
            # Fail-closed: a preview that cannot run (no backend, no pack, bad config) fails this job too.
            _pulumi(pins, spec, "preview"),
        ],
        needs=["build", "sbom", "sign"],
    )


def _deploy_job(spec: ServiceSpec, pins: Pins) -> dict[str, Any]:
    return _job(
        "deploy",
        30,
        [
            _cosign(pins),
            _registry_login(pins),
            _download(pins, "release-record", RELEASE_DIR),
            _download(pins, "policy-config", POLICY_DIR),
            {
                "name": "Refuse an image that does not verify",
                "env": {
                    "IMAGE_DIGEST": "${{ needs.build.outputs.digest }}",
                    "COSIGN_PUBLIC_KEY": "${{ vars.COSIGN_PUBLIC_KEY }}",
                },
                "run": f"{DIGEST_GUARD}\n"
                f"cosign verify --key env://COSIGN_PUBLIC_KEY {IMAGE} > /dev/null\n"
                + "".join(
                    f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {kind} {IMAGE} > /dev/null\n"
                    for kind, _ in ATTESTED_PREDICATES
                )
                + f'jq -e --arg digest "$IMAGE_DIGEST" \'.image.digest == $digest\' {RELEASE_RECORD} > /dev/null || '
                f'{{ echo "::error::{RELEASE_RECORD} is not the record of $IMAGE_DIGEST"; exit 1; }}\n',
            },
            *_platform(pins),
            _policy_pack_venv(),
            _pulumi(pins, spec, "up"),
        ],
        needs=["build", "policy-gate", "test"],
        **{
            "if": "github.event_name == 'push' && github.ref == 'refs/heads/main'",
            "environment": {"name": DEPLOY_ENVIRONMENT, "url": "${{ vars.SERVICE_URL }}"},
            # Two pushes never run `pulumi up` on the same stack at once; the second waits.
            "concurrency": {"group": f"deploy-{spec.name}-{DEPLOY_ENVIRONMENT}", "cancel-in-progress": False},
        },
    )


def _post_deploy_job(pins: Pins) -> dict[str, Any]:
    return _job(
        "post-deploy",
        15,
        [
            *_platform(pins),
            {
                "name": "Download this run's artifacts",
                "uses": pins.uses("actions/download-artifact"),
                "with": {"path": ARTIFACTS_DIR},
            },
            {
                "name": "Post-deploy checks (probe + error-rate query)",
                "env": {"SERVICE_URL": "${{ vars.SERVICE_URL }}", "PROMETHEUS_URL": "${{ vars.PROMETHEUS_URL }}"},
                "run": 'companyos check-deploy --url "$SERVICE_URL" --prometheus "$PROMETHEUS_URL" '
                f'--service "$SERVICE_NAME" --json {POST_DEPLOY_REPORT}\n',
            },
            {
                "name": "Evidence pack",
                "if": "${{ !cancelled() }}",
                "env": {
                    "RUN_URL": "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}"
                },
                "run": f'companyos evidence "$SERVICE_NAME" --artifacts {ARTIFACTS_DIR} --post-deploy {POST_DEPLOY_REPORT} '
                f'--run-url "$RUN_URL" --output {EVIDENCE_DIR}\n',
            },
            _upload(pins, "evidence-pack", f"{EVIDENCE_DIR}/"),
        ],
        needs=["deploy"],
        **{"if": "github.event_name == 'push' && github.ref == 'refs/heads/main'"},
    )


class _WorkflowDumper(yaml.CSafeDumper):
    """Block style, multi-line scripts as literal blocks. libyaml's emitter (7x faster than PyYAML's pure
    Python one, which dominated whole-catalogue previews) writes sequences indentless; still valid YAML."""


def _represent_str(dumper: yaml.CSafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_WorkflowDumper.add_representer(str, _represent_str)
