"""Turn a stanza plus stack settings into the typed Args of PavedRoadService: every decision about
content (workflow, dashboard, rules, release) is made here, so the components only wire resources."""

from __future__ import annotations

from collections.abc import Callable

import pulumi

from companyos.catalog import Catalog, ServiceSpec
from companyos.ci_workflow import render_ci_workflow
from companyos.contracts.errors import UserError
from companyos.contracts.release_record import load_release_record
from companyos.observability.dashboard import dashboard_json
from companyos.observability.slo_rules import AlertLinks, generate_rules
from components.service import PavedRoadServiceArgs
from program.repository_files import repository_files
from program.settings import StackSettings

SecretLookup = Callable[[str], pulumi.Input[str]]


def selected_services(catalog: Catalog, settings: StackSettings) -> list[ServiceSpec]:
    if settings.service is None:
        return list(catalog.services)
    try:
        return [catalog.service(settings.service)]
    except KeyError as missing:
        raise UserError(
            f"paved-road:service: {missing.args[0]}. Fix: add its stanza to the catalogue "
            "(`companyos new-service NAME`) or correct the stack config."
        ) from None


def plan_service(
    spec: ServiceSpec, catalog: Catalog, settings: StackSettings, secret: SecretLookup
) -> PavedRoadServiceArgs:
    release_path = settings.release_path_for(spec.name)
    release = load_release_record(release_path) if release_path else None
    if release is not None and release.service != spec.name:
        raise UserError(
            f"{release_path}: the release record is for '{release.service}', not '{spec.name}'. "
            "Fix: point paved-road:releaseRecord at this service's record."
        )
    return PavedRoadServiceArgs(
        spec=spec,
        environment=settings.environment,
        repository_files=repository_files(
            spec, settings.github_org, render_ci_workflow(spec, image_registry=catalog.image_registry)
        ),
        dashboard_json=dashboard_json(spec, settings.docs_base_url),
        rule_groups=generate_rules(
            spec, links=AlertLinks(docs_base_url=settings.docs_base_url, grafana_url=settings.grafana_url)
        )["groups"],
        monitoring_labels=settings.monitoring_labels,
        ingress_namespaces=tuple(
            dict.fromkeys(
                [*settings.ingress_namespaces, *settings.monitoring_namespaces]
                + [caller.name for caller in catalog.services if spec.name in caller.calls]
            )
        ),
        egress_services=tuple((callee, catalog.service(callee).port) for callee in spec.calls),
        release=release,
        secret_env={env: secret(key) for env, key in spec.secrets.items()},
        github_visibility=catalog.github_visibility,
        manage_repository=settings.manage_repository,
    )


def config_secret(key: str) -> pulumi.Output[str]:
    """`ns:key` reads another namespace; a bare key reads the project's (`pulumi config set --secret KEY`)."""
    namespace, _, name = key.rpartition(":")
    return pulumi.Config(namespace or None).require_secret(name)
