"""Default-deny: every resource the program registers is of a type the platform knows, made through a provider the
platform uses without inline credentials, and judgeable offline; anything else is blocked with how to allow it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from .props import known
from .resource import Resource
from .rule import Finding, Rule, TypeSelector

PLATFORM_TYPES_FILE = Path(__file__).with_name("platform_types.yaml")
PROVIDER_PREFIX = "pulumi:providers:"
TYPE_TOKEN_PATTERN = r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_.]+$"


def _platform_types() -> list[str]:
    data = yaml.safe_load(PLATFORM_TYPES_FILE.read_text(encoding="utf-8"))
    return sorted(data["types"])


PLATFORM_TYPES = _platform_types()
ALLOWLIST_FIX = (
    "create {service}'s resources through the PavedRoadService component (one stanza in services.yaml). "
    "If the platform team decides `{type}` is safe, add it to `resource-type-allowed.additional_types` in "
    "the policy config (a reviewed change; docs/policies/README.md, \"Extending the allowlist\")."
)

TYPE_LIST = {
    "type": "array",
    "uniqueItems": True,
    "maxItems": 500,
    "x-weakens": "more-items",
    "items": {"type": "string", "pattern": TYPE_TOKEN_PATTERN, "maxLength": 200},
}


def check_type_allowed(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = set(config["allowed_types"]) | set(config["additional_types"])
    if resource.type in allowed:
        return
    kind = "provider" if resource.type.startswith(PROVIDER_PREFIX) else "resource type"
    yield Finding(
        f"{resource.type} '{resource.name}': the {kind} `{resource.type}` is not one the paved road creates "
        "and no rule was written for it, so the gate refuses it (default-deny).",
        fix={"type": resource.type},
    )


# Provider inputs that configure behaviour, never identity or credentials, per provider package (the providers'
# own schemas: pulumi-kubernetes 4.34, pulumi-github 6.15, pulumi-docker 5.2). Everything else is refused:
# credentials come from the environment of the pipeline that runs `pulumi up` (KUBECONFIG, GITHUB_TOKEN,
# DOCKER_HOST), and the target (cluster, context, base URL, host) is the default provider's, set by the platform.
SAFE_PROVIDER_INPUTS: dict[str, list[str]] = {
    "kubernetes": [
        "version",
        "enableServerSideApply",
        "suppressDeprecationWarnings",
        "suppressHelmHookWarnings",
        "deleteUnreachable",
        "skipUpdateUnreachable",
        "enableConfigMapMutable",
        "enableSecretMutable",
        "kubeClientSettings",
    ],
    "github": [
        "version",
        "owner",
        "readDelayMs",
        "writeDelayMs",
        "retryDelayMs",
        "maxRetries",
        "parallelRequests",
        "retryableErrors",
        "maxPerPage",
    ],
    "docker": ["version", "disableDockerDaemonCheck"],
}
# The engine's default providers (named `default` / `default_<version>`) take their inputs from the stack's
# config, which the platform writes (Pulumi.<stack>.yaml): they may also name the target cluster context.
DEFAULT_PROVIDER_INPUTS: dict[str, list[str]] = {"kubernetes": ["context", "cluster"]}
CREDENTIAL_WORDS = re.compile(
    r"token|password|passwd|secret|key|kubeconfig|cert|auth|credential|material", re.IGNORECASE
)
PROVIDERS = TypeSelector("`pulumi:providers:*`", lambda type_token: type_token.startswith(PROVIDER_PREFIX))


def is_default_provider(name: str) -> bool:
    """The engine names the providers it creates from stack config `default` or `default_<version>`."""
    return name == "default" or name.startswith("default_")


def check_provider_inputs(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not PROVIDERS.matches(resource.type):
        return
    package = resource.type[len(PROVIDER_PREFIX) :]
    allowed = set(config["allowed_inputs"].get(package, ()))
    if is_default_provider(resource.name):
        allowed |= set(config["default_provider_inputs"].get(package, ()))
    for key in sorted(resource.props):
        if key in allowed or known(resource.props[key]) is None:
            continue
        if CREDENTIAL_WORDS.search(key):
            problem = (
                "carries a credential in the program (it would sit in the state file and reach every "
                "preview); the platform's providers take credentials from the environment of the pipeline "
                "that runs `pulumi up`"
            )
        else:
            problem = "is not an input the platform lets a provider set (it could change where or as whom it acts)"
        yield Finding(
            f"provider {package} '{resource.name}': input `{key}` {problem}.", fix={"key": key, "package": package}
        )


# Wrapper types whose objects the provider (or a remote engine) creates where an offline preview does not look.
# `how` says how to turn each into objects the rules can judge.
OPAQUE_FAMILIES: tuple[tuple[str, str, str], ...] = (
    (
        r"^kubernetes:helm\.sh/",
        "a Helm chart or release: the provider renders and applies it",
        "`helm template <chart> --version <v> -f values.yaml > rendered.yaml`, then deploy rendered.yaml with "
        "`kubernetes.yaml.v2.ConfigGroup(yaml=...)` (inline YAML is judged object by object)",
    ),
    (
        r"^kubernetes:kustomize",
        "a Kustomize directory: the provider builds it",
        "`kubectl kustomize <dir> > rendered.yaml`, then `kubernetes.yaml.v2.ConfigGroup(yaml=...)`",
    ),
    (
        r"^kubernetes:yaml/v2:ConfigFile$",
        "a manifest file the provider reads at deploy time",
        "read the file in the program and pass its text as `kubernetes.yaml.v2.ConfigGroup(yaml=...)`",
    ),
    (
        r"^kubernetes:yaml:",
        "a v1 YAML component whose objects come from an invoke the offline preview does not run",
        "use `kubernetes.yaml.v2.ConfigGroup(yaml=...)` with the manifests inline",
    ),
    (
        r"^docker:index/(container|service|plugin):",
        "a container run on a Docker host, outside every Kubernetes rule",
        "run it as a Kubernetes workload of the service (the PavedRoadService component) instead",
    ),
    (
        r"^command:",
        "a command run by the deployment itself: what it does is invisible to any rule",
        "do the work in the service's CI, whose steps are reviewed, not inside `pulumi up`",
    ),
)
_OPAQUE = tuple((re.compile(pattern), why, how) for pattern, why, how in OPAQUE_FAMILIES)


def _opaque(resource: Resource) -> tuple[str, str] | None:
    for pattern, why, how in _OPAQUE:
        if pattern.search(resource.type):
            return why, how
    if resource.type == "kubernetes:yaml/v2:ConfigGroup" and known(resource.props.get("files")):
        return (
            "a ConfigGroup that reads `files` at deploy time",
            "pass the manifests inline as `yaml=` or `objs=` (inline objects are judged one by one)",
        )
    return None


def is_opaque_type(type_token: str) -> bool:
    return type_token == "kubernetes:yaml/v2:ConfigGroup" or any(p.search(type_token) for p, _, _ in _OPAQUE)


def check_judgeable_offline(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    opaque = _opaque(resource)
    if opaque is None or resource.type in config["allowed_types"]:
        return
    why, how = opaque
    yield Finding(
        f"{resource.type} '{resource.name}' cannot be judged offline: it is {why}, so no rule sees the "
        "objects it would create.",
        fix={"how": how, "type": resource.type},
    )


RULES = [
    Rule(
        name="resource-type-allowed",
        family="admission",
        description="Every registered resource (providers and components too) is of a type the paved road creates, "
        "or of a type the platform allowed explicitly: what the gate does not know, it refuses.",
        applies_to="every resource, and every object a ConfigGroup renders inline",
        check=check_type_allowed,
        config={
            "allowed_types": {
                **TYPE_LIST,
                "default": PLATFORM_TYPES,
                "description": "The types the paved-road components create (generated: "
                "policypacks/paved-road/paved_road_policies/platform_types.yaml).",
            },
            "additional_types": {
                **TYPE_LIST,
                "default": [],
                "description": "Types allowed on top of the platform's (exact type tokens).",
            },
        },
        remediation=ALLOWLIST_FIX,
        rationale="A gate that only judges what it expects lets anything unexpected walk around it: a "
        "ReplicationController, a DaemonSet patch or a Helm release nobody wrote a rule for. Each type is "
        "an explicit decision.",
    ),
    Rule(
        name="provider-inputs-allowed",
        family="admission",
        description="Provider resources set only behavioural inputs: no inline credentials, no other cluster, "
        "context, host or API endpoint than the platform's.",
        applies_to="`pulumi:providers:*`",
        check=check_provider_inputs,
        selects=PROVIDERS,
        config={
            "allowed_inputs": {
                "description": "Provider package -> the inputs it may set.",
                "type": "object",
                "maxProperties": 50,
                "additionalProperties": {
                    "type": "array",
                    "uniqueItems": True,
                    "maxItems": 100,
                    "items": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
                },
                "default": SAFE_PROVIDER_INPUTS,
                "x-weakens": "more-items",
            },
            "default_provider_inputs": {
                "description": "Provider package -> inputs the engine's default provider (configured from the stack "
                "file) may set on top of allowed_inputs.",
                "type": "object",
                "maxProperties": 50,
                "additionalProperties": {
                    "type": "array",
                    "uniqueItems": True,
                    "maxItems": 100,
                    "items": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
                },
                "default": DEFAULT_PROVIDER_INPUTS,
                "x-weakens": "more-items",
            },
        },
        remediation="remove `{key}` from the {package} provider in the program: use the stack's default provider, "
        "configured by the platform, with credentials from the pipeline's environment (KUBECONFIG, "
        "GITHUB_TOKEN, DOCKER_HOST). A setting that is not a credential can be allowed in "
        "`provider-inputs-allowed.allowed_inputs.{package}`.",
        rationale="An explicit provider can point the deployment at another cluster or act as another identity, and "
        "a credential written in the program lands in the state file and every preview log.",
    ),
    Rule(
        name="resource-judgeable-offline",
        family="admission",
        description="No resource whose objects an offline preview cannot see (Helm charts and releases, Kustomize, "
        "YAML read from files, Docker containers, commands) passes unjudged.",
        applies_to="Helm, Kustomize and YAML wrapper types, `docker:index/container:Container` and its kin, "
        "`command:*`; a `kubernetes:yaml/v2:ConfigGroup` only when it reads `files`",
        check=check_judgeable_offline,
        selects=TypeSelector("Helm, Kustomize, YAML, Docker container and command types", is_opaque_type),
        config={
            "allowed_types": {
                **TYPE_LIST,
                "default": [],
                "description": "Exceptions: wrapper types accepted without their objects being judged.",
            }
        },
        remediation="render it to objects: {how}. If the platform team accepts it unjudged, allow it by type with an "
        "exception: add `{type}` to `resource-judgeable-offline.allowed_types` in the policy config.",
        rationale="The engine registers a chart's objects inside the provider, where an offline preview never looks; "
        "a wrapper the gate cannot open must not count as a pass.",
    ),
]
