"""Platform settings that make what tools read absolute and selectable: the base URL the runbooks and SLO pages
are served from, Grafana's URL (alerts link the dashboard), and extra labels the monitoring stack selects on
(kube-prometheus-stack's `release: <name>`). Each is refused, naming the config key, unless it is well formed; the
extra labels can never replace a governance or selector label (they would move ownership or traffic)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from companyos.contracts.conventions import GOVERNANCE_LABELS
from companyos.contracts.errors import UserError

# k8s.io/apimachinery validation: a qualified name with an optional DNS-subdomain prefix, and a label value.
_LABEL_KEY = re.compile(
    r"^(?:(?=[a-z0-9.-]{1,253}/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^(?=.{0,63}$)(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
RESERVED_PREFIXES = ("app.kubernetes.io/", "kubernetes.io/", "k8s.io/", "paved-road.dev/")


def absolute_url(value: str | None, key: str) -> str:
    """'' when unset; else an http(s) URL with a host (no credentials, no query), without a trailing slash."""
    if not value:
        return ""
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in ("https", "http") or not parsed.hostname or parsed.username or parsed.query:
        raise UserError(
            f"paved-road:{key} {value!r} is not an absolute http(s) URL with a host (and no credentials or query). "
            f"Fix: `pulumi config set paved-road:{key} https://…`, or unset it to keep links relative."
        )
    return value.rstrip("/")


def monitoring_labels(value: Any) -> dict[str, str]:
    """Extra labels for the ServiceMonitor and PrometheusRule, from a JSON object of strings."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UserError(
            'paved-road:monitoringLabels must be a JSON object of label: value, e.g. {"release": "kube-prometheus-stack"}'
        )
    labels: dict[str, str] = {}
    for key, label in value.items():
        if not isinstance(key, str) or not _LABEL_KEY.match(key):
            raise UserError(f"paved-road:monitoringLabels: {key!r} is not a Kubernetes label key. Fix: rename it.")
        if not isinstance(label, str) or not _LABEL_VALUE.match(label):
            raise UserError(
                f"paved-road:monitoringLabels.{key}: {label!r} is not a Kubernetes label value (a string of at "
                "most 63 letters, digits, '-', '_', '.'). Fix: quote it as a string."
            )
        if key in GOVERNANCE_LABELS or key.startswith(RESERVED_PREFIXES):
            raise UserError(
                f"paved-road:monitoringLabels.{key}: a governance, selector or platform label cannot be set here "
                "(it comes from the stanza). Fix: remove it; only labels the monitoring stack selects on belong here."
            )
        labels[key] = label
    return labels


_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def namespaces(value: Any, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A JSON list of namespace names (DNS-1123 labels), e.g. the ingress controller's."""
    if value is None:
        return default
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, str) and _NAMESPACE.match(v) and len(v) <= 63 for v in value
    ):
        raise UserError(
            f'paved-road:{key} must be a namespace name or a JSON list of them (DNS-1123 labels), e.g. ["ingress-nginx"]'
        )
    return tuple(value)
