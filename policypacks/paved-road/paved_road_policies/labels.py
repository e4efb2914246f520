"""Governance labels: owner, risk and data classification on every object, repository and pull request."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .props import dig, known
from .resource import Resource
from .rule import Finding, Rule, of_types
from .vendor.catalog.model import DATA_CLASSIFICATIONS, RISKS
from .vendor.contracts.conventions import (
    LABEL_DATA_CLASSIFICATION,
    LABEL_OWNER,
    LABEL_RISK,
    POLICY_CONFIG_POLICY,
    PR_LABEL_PREFIXES,
)

REPOSITORY = "github:index/repository:Repository"
# The catalogue's owner rule (companyos/catalog/services.schema.json, stanza field `owner`).
OWNER_PATTERN = "^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$"
# Kubernetes label / GitHub topic -> the services.yaml stanza field that sets it.
STANZA_FIELD = {LABEL_OWNER: "owner", LABEL_RISK: "risk", LABEL_DATA_CLASSIFICATION: "data_classification"}

VALUE_CONFIG: dict[str, dict[str, Any]] = {
    "risk_values": {
        "description": "Risk tiers accepted (a subset of the catalogue's).",
        "type": "array",
        "items": {"enum": list(RISKS)},
        "minItems": 1,
        "uniqueItems": True,
        "default": list(RISKS),
        "x-weakens": "more-items",
    },
    "data_classification_values": {
        "description": "Data classifications accepted (a subset of the catalogue's).",
        "type": "array",
        "items": {"enum": list(DATA_CLASSIFICATIONS)},
        "minItems": 1,
        "uniqueItems": True,
        "default": list(DATA_CLASSIFICATIONS),
        "x-weakens": "more-items",
    },
    "owner_pattern": {
        "description": "Regular expression an owner (team slug) must match.",
        "type": "string",
        "minLength": 1,
        "format": "regex",
        "default": OWNER_PATTERN,
    },
}


def _owner_pattern_compiles(config: Mapping[str, Any]) -> list[str]:
    try:
        re.compile(config["owner_pattern"])
    except re.error as error:
        return [f"owner_pattern: not a valid regular expression ({error})"]
    return []


def _allowed(config: Mapping[str, Any], label: str) -> list[str] | None:
    values = {LABEL_RISK: config["risk_values"], LABEL_DATA_CLASSIFICATION: config["data_classification_values"]}
    return values.get(label)


def _judge(label: str, value: Any, config: Mapping[str, Any]) -> str | None:
    """Why `value` is not acceptable for governance label `label`, or None."""
    known(value)
    if value is None or value == "":
        return "is missing"
    if not isinstance(value, str):
        return f"is {value!r}, not a string"
    allowed = _allowed(config, label)
    if allowed is not None and value not in allowed:
        return f"is '{value}', not one of {', '.join(allowed)}"
    if label == LABEL_OWNER and not re.fullmatch(config["owner_pattern"], value):
        return f"is '{value}', which does not match {config['owner_pattern']}"
    return None


def _allowed_text(config: Mapping[str, Any], label: str) -> str:
    allowed = _allowed(config, label)
    return ", ".join(allowed) if allowed is not None else f"a team slug matching {config['owner_pattern']}"


def check_kubernetes_labels(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not k8s.is_kubernetes_object(resource):
        return
    places: list[tuple[str, dict[str, Any]]] = [("metadata.labels", dig(resource.props, "metadata", default={}))]
    # Pods are objects too: the labels must reach every pod template, or runtime tooling sees unowned pods.
    places += [
        (f"{pod.metadata_path}.labels", pod.metadata) for pod in k8s.pod_specs(resource) if pod.metadata is not None
    ]
    for where, metadata in places:
        labels = k8s.labels(metadata if isinstance(metadata, dict) else {})
        for label in (LABEL_OWNER, LABEL_RISK, LABEL_DATA_CLASSIFICATION):
            problem = _judge(label, labels.get(label), config)
            if problem:
                yield Finding(
                    f"{k8s.describe(resource)}: label `{label}` ({where}.{label}) {problem}.",
                    fix={"field": STANZA_FIELD[label], "allowed": _allowed_text(config, label), "label": label},
                )


def check_repository_topics(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type != REPOSITORY:
        return
    topics = known(resource.props.get("topics")) or []
    repo = resource.props.get("name") or resource.name
    for label in (LABEL_OWNER, LABEL_RISK, LABEL_DATA_CLASSIFICATION):
        prefix = f"{label}-"
        values = [t[len(prefix) :] for t in topics if isinstance(t, str) and t.startswith(prefix)]
        fix = {"field": STANZA_FIELD[label], "allowed": _allowed_text(config, label), "label": label}
        if len(values) != 1:
            found = ", ".join(f"{prefix}{v}" for v in values) or "none"
            yield Finding(
                f"GitHub repository {repo}: needs exactly one topic `{prefix}<value>` (topics), found {found}.", fix=fix
            )
            continue
        problem = _judge(label, values[0], config)
        if problem:
            yield Finding(f"GitHub repository {repo}: topic `{prefix}{values[0]}`: the value {problem}.", fix=fix)


PR_LABEL_STANZA_FIELD = {"risk:": "risk", "data-classification:": "data_classification"}
PR_LABEL_VALUES = {"risk:": RISKS, "data-classification:": DATA_CLASSIFICATIONS}
# Ordered lowest first (companyos.catalog.model): a PR label is compared with the service's by position.
PR_LABEL_GOVERNANCE = {"risk:": LABEL_RISK, "data-classification:": LABEL_DATA_CLASSIFICATION}
if tuple(PR_LABEL_STANZA_FIELD) != PR_LABEL_PREFIXES:
    raise RuntimeError(
        "companyos.contracts.conventions.PR_LABEL_PREFIXES changed: update PR_LABEL_STANZA_FIELD in labels.py"
    )
# `source` as the contract names it (issue 4) and as the CI workflow's policy-config step writes it
# (companyos/ci_workflow/policy_config.py: "pull request #<n> labels" on pull_request, "service.yaml" on push).
SOURCE_PATTERN = r"^(pull_request|push|local|pull request #[0-9]+ labels|service\.yaml)$"


def check_pull_request_labels(resources: list[Resource], config: Mapping[str, Any]) -> Iterator[Finding]:
    labels = config.get("labels")
    source = config.get("source", "not given")
    if labels is None:
        yield Finding(
            "Pull request: no governance labels were given to the gate (policy config "
            f"`{POLICY_CONFIG_POLICY}.labels` is absent), so the change's risk and data classification "
            "are unknown.",
            fix={"prefix": "risk:", "values": ", ".join(RISKS), "field": "risk"},
        )
        return
    for prefix, values in PR_LABEL_VALUES.items():
        matching = [label for label in labels if label.startswith(prefix)]
        fix = {"prefix": prefix, "values": ", ".join(values), "field": PR_LABEL_STANZA_FIELD[prefix]}
        if len(matching) != 1:
            found = ", ".join(matching) or "none"
            yield Finding(
                f"Pull request (labels from {source}): needs exactly one `{prefix}<value>` label, found {found}.",
                fix=fix,
            )
        elif matching[0][len(prefix) :] not in values:
            yield Finding(
                f"Pull request (labels from {source}): label `{matching[0]}` is not one of "
                f"{', '.join(prefix + v for v in values)}.",
                fix=fix,
            )
        else:
            declared = _declared(resources, PR_LABEL_GOVERNANCE[prefix], values)
            given = matching[0][len(prefix) :]
            if declared is not None and values.index(given) < values.index(declared[0]):
                yield Finding(
                    f"Pull request (labels from {source}): label `{matching[0]}` is below what "
                    f"{declared[1]} declares ({PR_LABEL_GOVERNANCE[prefix]}: {declared[0]}); a change cannot "
                    "claim less risk or less sensitive data than the service it changes.",
                    fix=fix,
                )


def _declared(resources: list[Resource], label: str, values: tuple[str, ...]) -> tuple[str, str] | None:
    """The highest value of governance label `label` any object or repository topic of the stack declares, and
    where; None when nothing declares one (the label rules report that)."""
    declared: list[tuple[str, str]] = []
    for resource in resources:
        found: list[Any] = []
        if k8s.is_kubernetes_object(resource):
            found.append(dig(resource.props, "metadata", "labels", label))
        elif resource.type == REPOSITORY:
            topics = resource.props.get("topics")
            found += [
                t[len(label) + 1 :]
                for t in (topics if isinstance(topics, list) else [])
                if isinstance(t, str) and t.startswith(label + "-")
            ]
        declared += [
            (value, f"{resource.type.rsplit(':', 1)[-1]} {resource.name}")
            for value in found
            if isinstance(value, str) and value in values
        ]
    # The highest value; among equals the first by name, so the message does not depend on registration order.
    return min(declared, key=lambda item: (-values.index(item[0]), item[1]), default=None)


RULES = [
    Rule(
        name="kubernetes-governance-labels",
        family="labels",
        description="Every Kubernetes object (and every pod template) carries the owner, risk and "
        "data-classification labels with allowed values.",
        applies_to="every `kubernetes:*` object; for workloads also the pod template",
        check=check_kubernetes_labels,
        selects=k8s.KUBERNETES_OBJECTS,
        config=VALUE_CONFIG,
        config_check=_owner_pattern_compiles,
        remediation="services.yaml: set `{field}` for {service} ({allowed}); the PavedRoadService component "
        "copies it to every object as label `{label}`. An object made outside the component must set "
        "metadata.labels.{label} itself (and its pod template's too).",
        rationale="Labels are how on-call, cost and data-protection tooling find an object's owner and "
        "sensitivity; an object without them is nobody's.",
    ),
    Rule(
        name="repository-governance-topics",
        family="labels",
        description="Each service's GitHub repository carries exactly one `owner-<team>`, `risk-<tier>` and "
        "`data-classification-<class>` topic with allowed values.",
        applies_to="`github:index/repository:Repository`",
        check=check_repository_topics,
        selects=of_types(REPOSITORY),
        config=VALUE_CONFIG,
        config_check=_owner_pattern_compiles,
        remediation="services.yaml: set `{field}` for {service} ({allowed}); ServiceRepository writes the topic "
        "`{label}-<value>`. Do not set governance topics by hand (extra_topics).",
        rationale="GitHub topics are where repository-level tooling (search, audits) reads governance data.",
    ),
    Rule(
        name=POLICY_CONFIG_POLICY,
        family="labels",
        description="The change under review carries exactly one `risk:<tier>` and one "
        "`data-classification:<class>` pull-request label, neither below what the service it changes "
        "declares.",
        applies_to="the stack (once per preview); labels come from this rule's policy config",
        stack=True,
        check=check_pull_request_labels,
        config={
            "labels": {
                "description": "The pull request's labels (CI writes them from the event; on push, from service.yaml).",
                "type": "array",
                "items": {"type": "string", "maxLength": 100},
                "maxItems": 100,
                "x-weakens": "never",
            },
            "source": {
                "description": "Where the labels came from: pull_request, push, local, or the CI "
                "workflow's text (`pull request #<n> labels`, `service.yaml`).",
                "type": "string",
                "pattern": SOURCE_PATTERN,
                "x-weakens": "never",
            },
        },
        remediation="add exactly one `{prefix}<value>` label ({values}) to the pull request (the labels exist in "
        "the service repository); on push the gate reads service.yaml, so set `{field}` for {service} "
        "in services.yaml. Running the gate locally: pass the labels in the "
        f"`{POLICY_CONFIG_POLICY}` entry of the policy config.",
        rationale="Reviewers and the deploy pipeline scale their scrutiny by the change's declared risk and "
        "data classification; a change that declares neither gets none.",
    ),
]
