"""The catalogue rules a JSON Schema cannot state: uniqueness, cross-field relations, secret hygiene."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from companyos.catalog.issues import Issue
from companyos.catalog.model import TEMPLATE_LATENCY_BUCKETS_MS, LatencySlo, Resources
from companyos.catalog.yaml_nodes import line_of
from companyos.contracts.quantity import quantity

# Set by the platform on every container (components/deployment.py) or read by its instrumentation: a stanza that
# set one would override the platform (Kubernetes keeps the last duplicate) or switch tracing off.
PLATFORM_ENV = re.compile(r"^(PORT|NODE_ENV|NODE_OPTIONS|OTEL_[A-Z0-9_]*)$")
SECRET_LOOKING_ENV = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)


def _quantity(text: str) -> Decimal | None:
    """The stanza's quantities are the schema's subset of Kubernetes' grammar; one parser reads both."""
    return quantity(text)


def semantic_issues(document: dict[str, Any], file: str) -> Iterable[Issue]:
    """Rules a JSON Schema cannot state: uniqueness, cross-field relations, secret hygiene."""
    # Runs even when the schema failed, so one pass reports everything: every lookup is type-guarded
    # and a value the schema already rejected is skipped here.
    seen: dict[str, int] = {}
    stanzas = document.get("services")
    known = {
        s["name"]
        for s in (stanzas if isinstance(stanzas, list) else [])
        if isinstance(s, dict) and isinstance(s.get("name"), str)
    }
    for index, stanza in enumerate(stanzas if isinstance(stanzas, list) else []):
        if not isinstance(stanza, dict):
            continue
        raw_name = stanza.get("name")
        name = raw_name if isinstance(raw_name, str) else f"#{index + 1} (unnamed)"
        base = ["services", index]
        line = line_of(document, base + ["name"])
        if name in seen:
            yield Issue(
                file,
                line,
                name,
                "name",
                f"duplicates the stanza at line {seen[name]}",
                None,
                "give each service a unique name, or delete one of the two stanzas",
            )
        if isinstance(raw_name, str) and (name == "default" or name.startswith("kube-")):
            yield Issue(
                file,
                line,
                name,
                "name",
                "is a namespace the cluster owns (the service's namespace is named after it)",
                None,
                "choose another name: `default` and `kube-*` belong to Kubernetes",
            )
        seen.setdefault(name, line)

        template = stanza.get("template", "node-express")
        latency = _mapping(_mapping(stanza.get("slo")).get("latency"))
        threshold = latency.get("threshold_ms", LatencySlo.threshold_ms)
        buckets = TEMPLATE_LATENCY_BUCKETS_MS.get(template) if isinstance(template, str) else None
        if buckets and isinstance(threshold, int) and not isinstance(threshold, bool) and threshold not in buckets:
            nearest = min(buckets, key=lambda b: abs(b - threshold))
            yield Issue(
                file,
                line_of(document, base + ["slo", "latency", "threshold_ms"]),
                name,
                "slo.latency.threshold_ms",
                f"{threshold} ms is not a histogram bucket of the {template} template, so the SLI cannot be measured",
                ", ".join(str(b) for b in buckets),
                f"use a bucket boundary, e.g. {nearest}",
            )

        resources = _mapping(stanza.get("resources"))
        defaults = Resources()
        for kind in ("cpu", "memory"):
            request = _mapping(resources.get("requests")).get(kind, getattr(defaults.requests, kind))
            limit = _mapping(resources.get("limits")).get(kind, getattr(defaults.limits, kind))
            req_q, lim_q = _quantity(str(request)), _quantity(str(limit))
            for which, text, amount in (("requests", request, req_q), ("limits", limit, lim_q)):
                if amount is not None and amount <= 0:
                    yield Issue(
                        file,
                        line_of(document, base + ["resources", which, kind]),
                        name,
                        f"resources.{which}.{kind}",
                        f"{text} is zero: the container would get no {kind}",
                        None,
                        f"set a positive quantity, or leave resources.{which}.{kind} out for the default",
                    )
            if req_q is not None and lim_q is not None and req_q > lim_q:
                yield Issue(
                    file,
                    line_of(document, base + ["resources", "requests", kind]),
                    name,
                    f"resources.requests.{kind}",
                    f"request {request} exceeds limit {limit}",
                    None,
                    f"lower resources.requests.{kind} or raise resources.limits.{kind}",
                )

        calls = stanza.get("calls")
        for position, callee in enumerate(calls if isinstance(calls, list) else []):
            if isinstance(callee, str) and (callee == name or callee not in known):
                yield Issue(
                    file,
                    line_of(document, base + ["calls", position]),
                    name,
                    f"calls[{position}]",
                    "is the service itself" if callee == name else f"'{callee}' is not a service of this catalogue",
                    ", ".join(sorted(str(k) for k in known if k != name)) or None,
                    "list only other stanzas' names: egress is opened to exactly these (and DNS, OTLP)",
                )

        env = _mapping(stanza.get("env"))
        secrets = _mapping(stanza.get("secrets"))
        for section, values in (("env", env), ("secrets", secrets)):
            for key in values:
                if isinstance(key, str) and key != "PORT" and PLATFORM_ENV.match(key):
                    yield Issue(
                        file,
                        line_of(document, base + [section, key]),
                        name,
                        f"{section}.{key}",
                        "is set by the platform on every container; a stanza cannot override it",
                        None,
                        f"delete {section}.{key}",
                    )
        for key, reference in secrets.items():
            if isinstance(key, str) and isinstance(reference, str) and not _own_secret(reference, name):
                yield Issue(
                    file,
                    line_of(document, base + ["secrets", key]),
                    name,
                    f"secrets.{key}",
                    f"reads stack config {reference!r}, outside the service's own namespace '{name}:' (a "
                    "provider's or another service's secret would be copied into this service)",
                    f"{name}:<key>",
                    f"use {name}:<key> and `pulumi config set --secret {name}:<key> <value>`",
                )
        for key in env:
            if not isinstance(key, str):
                continue
            if key in secrets:
                yield Issue(
                    file,
                    line_of(document, base + ["env", key]),
                    name,
                    f"env.{key}",
                    "is set both as a plain value and as a secret",
                    None,
                    f"delete env.{key}; keep secrets.{key}",
                )
            elif SECRET_LOOKING_ENV.search(key):
                yield Issue(
                    file,
                    line_of(document, base + ["env", key]),
                    name,
                    f"env.{key}",
                    "looks like a secret but is a plain value (it would be committed and visible in the Deployment)",
                    None,
                    f"move it to secrets: {key}: <stack config key>, then `pulumi config set --secret <key> <value>`",
                )
        if "PORT" in env:
            yield Issue(
                file,
                line_of(document, base + ["env", "PORT"]),
                name,
                "env.PORT",
                "is derived from the stanza's port",
                None,
                "delete env.PORT and set port: instead",
            )


def _own_secret(reference: str, service: str) -> bool:
    """A secret reference names a key in the service's own stack-config namespace: `<service>:<key>`."""
    namespace, _, key = reference.partition(":")
    return namespace == service and bool(key) and ":" not in key


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}
