"""Stack configuration of the Pulumi program (namespace `paved-road`), read once in __main__.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from companyos.contracts.errors import UserError
from program.platform_links import absolute_url, monitoring_labels, namespaces

CONFIG_NAMESPACE = "paved-road"


@dataclass(frozen=True)
class StackSettings:
    catalog_path: Path
    service: str | None
    """The stanza this stack provisions (stack `<service>-<environment>`); None = the whole catalogue."""
    environment: str
    release_record: Path | None
    """Explicit record for the selected service; otherwise `<releases_dir>/<service>.json` if it exists."""
    releases_dir: Path
    manage_repository: bool
    github_org: str
    docs_base_url: str = ""
    """Where the platform repository's docs are served (runbooks, SLO pages); '' keeps links repository-relative."""
    grafana_url: str = ""
    """Grafana's base URL: alerts then link the service's dashboard absolutely."""
    monitoring_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra labels on the ServiceMonitor and PrometheusRule (what the monitoring stack selects on)."""
    ingress_namespaces: tuple[str, ...] = ("ingress-nginx",)
    """Namespaces whose pods may call a service from outside the catalogue (the ingress controller)."""
    monitoring_namespaces: tuple[str, ...] = ("monitoring",)
    """Namespaces that scrape the services (Prometheus)."""

    def release_path_for(self, service: str) -> Path | None:
        if self.release_record is not None and service == self.service:
            return self.release_record
        candidate = self.releases_dir / f"{service}.json"
        return candidate if candidate.exists() else None


def read_stack_settings(project_dir: Path) -> StackSettings:
    config = pulumi.Config(CONFIG_NAMESPACE)
    github = pulumi.Config("github")
    stack = pulumi.get_stack()
    service = config.get("service") or None
    environment = config.get("environment") or _environment_from_stack(stack, service)
    release = config.get("releaseRecord")
    if release and not service:
        raise UserError(
            "paved-road:releaseRecord is set but paved-road:service is not. Fix: "
            "`pulumi config set paved-road:service <name>` (one stack per service and environment)."
        )
    return StackSettings(
        catalog_path=project_dir / (config.get("catalog") or "services.yaml"),
        service=service,
        environment=environment,
        release_record=(project_dir / release) if release else None,
        releases_dir=project_dir / (config.get("releasesDir") or "releases"),
        manage_repository=config.get_bool("manageRepository") is not False,
        github_org=config.get("githubOrg") or github.get("owner") or "paved-road",
        docs_base_url=absolute_url(config.get("docsBaseUrl"), "docsBaseUrl"),
        grafana_url=absolute_url(config.get("grafanaUrl"), "grafanaUrl"),
        monitoring_labels=monitoring_labels(_json_object(config, "monitoringLabels")),
        ingress_namespaces=namespaces(
            _json_or_text(config, "ingressNamespaces"), "ingressNamespaces", ("ingress-nginx",)
        ),
        monitoring_namespaces=namespaces(
            _json_or_text(config, "monitoringNamespaces"), "monitoringNamespaces", ("monitoring",)
        ),
    )


def _json_object(config: pulumi.Config, key: str) -> object:
    try:
        return config.get_object(key)
    except Exception:  # noqa: BLE001 - the SDK raises its own ConfigTypeError/JSONDecodeError for a non-JSON value
        raise UserError(
            f"paved-road:{key} is not JSON. Fix: set it to a JSON value, e.g. '{{\"release\": \"x\"}}'"
        ) from None


def _json_or_text(config: pulumi.Config, key: str) -> object:
    """A JSON value, or the plain text when it is not JSON (one namespace name needs no quotes)."""
    raw = config.get(key)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _environment_from_stack(stack: str, service: str | None) -> str:
    """`hello-prod-dev` with service `hello-prod` -> `dev`; anything else -> the stack name itself."""
    if service and stack.startswith(service + "-"):
        return stack[len(service) + 1 :]
    return stack
