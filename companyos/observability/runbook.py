"""A service's on-call runbook, generated from the catalogue stanza, the SLO alert rules and the burn-rate data.

One heading per alert the SLO rules generate, named exactly like the alert, so each alert's
`runbook_url` anchor (`docs/runbooks/<name>.md#<alert, lower case>`) lands on it. Every number
(burn rates, windows, objectives) and every command comes from code; the words come from
`runbook_template.md.j2` next to this module.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

import jinja2

from companyos.catalog import ServiceSpec
from companyos.contracts.conventions import ANNOTATION_RELEASE_VERSION, ANNOTATION_SIGNATURE_REF
from companyos.observability.slis import service_slis
from companyos.observability.slo_rules import (
    DEFAULT_MIN_REQUESTS,
    alert_name,
    dashboard_path,
    runbook_anchor,
    runbook_url,
)
from companyos.observability.windows import BurnWindow, load_windows

TEMPLATE_FILE = "runbook_template.md.j2"
SIGNATURE_DOC = "../security/signature-verification-failed.md"  # relative to docs/runbooks/
# kube-prometheus-stack's operator serves every Prometheus it runs through this Service.
PROMETHEUS_SERVICE = "prometheus-operated"
LOCAL_SERVICE_PORT = 8080
LOCAL_PROMETHEUS_PORT = 9090


@dataclass(frozen=True)
class AlertSection:
    name: str
    anchor: str
    sli_key: str
    good_means: str
    objective_percent: str
    severity: str  # page | ticket
    severity_label: str
    windows: tuple[BurnWindow, ...]
    bad_percent: str  # share of bad requests at which the first window pair's burn rate is reached


def _number(value: object) -> str:
    text = format(value, "f") if not isinstance(value, str) else value
    return text.rstrip("0").rstrip(".") if "." in text else text


def _jsonpath_key(annotation: str) -> str:
    # kubectl's JSONPath needs the dots inside a key escaped.
    return annotation.replace(".", "\\.")


def runbook_commands(spec: ServiceSpec, environment: str, prometheus_namespace: str) -> dict[str, str]:
    """Every command line the runbook shows, by purpose (tests run the companyos ones)."""
    name = spec.name
    stack = f"{name}-{environment}"
    local_url = f"http://127.0.0.1:{LOCAL_SERVICE_PORT}"
    prometheus_url = f"http://127.0.0.1:{LOCAL_PROMETHEUS_PORT}"
    return {
        "port_forward_service": f"kubectl -n {name} port-forward svc/{name} {LOCAL_SERVICE_PORT}:80",
        "port_forward_prometheus": (
            f"kubectl -n {prometheus_namespace} port-forward svc/{PROMETHEUS_SERVICE} {LOCAL_PROMETHEUS_PORT}:9090"
        ),
        "check_deploy": (
            f"companyos check-deploy --service {name} --url {local_url} --prometheus {prometheus_url} "
            f"--window 5m --json check-deploy-{name}.json"
        ),
        "check_deploy_wide": (
            f"companyos check-deploy --service {name} --url {local_url} --prometheus {prometheus_url} --window 1h"
        ),
        "obs_up": f"companyos obs up --service {name} --target 127.0.0.1:{spec.port}",
        "obs_check": (
            f"companyos check-deploy --service {name} --url http://127.0.0.1:{spec.port} --prometheus {prometheus_url}"
        ),
        "obs_status": "companyos obs status",
        "obs_down": "companyos obs down",
        "stack_digest": f"pulumi stack output image_digest --stack {stack}",
        "stack_version": f"pulumi stack output release_version --stack {stack}",
        "stack_image": f"pulumi stack output image_ref --stack {stack}",
        "kubectl_version": (
            f"kubectl -n {name} get deployment {name} -o "
            + shlex.quote(f"jsonpath={{.metadata.annotations.{_jsonpath_key(ANNOTATION_RELEASE_VERSION)}}}")
        ),
        "kubectl_image": (
            f"kubectl -n {name} get deployment {name} -o "
            + shlex.quote("jsonpath={.spec.template.spec.containers[0].image}")
        ),
        "kubectl_signature_ref": (
            f"kubectl -n {name} get deployment {name} -o "
            + shlex.quote(f"jsonpath={{.metadata.annotations.{_jsonpath_key(ANNOTATION_SIGNATURE_REF)}}}")
        ),
        "release_history": f"git log --oneline -- releases/{name}.json",
        "release_previous": f"git show <previous commit>:releases/{name}.json > releases/{name}-previous.json",
        "rollback_config": f"pulumi config set paved-road:releaseRecord releases/{name}-previous.json --stack {stack}",
        "rollback_preview": f"pulumi preview --stack {stack} --diff",
        "rollback_up": f"pulumi up --stack {stack}",
        "stack_history": f"pulumi stack history --stack {stack}",
        "verify": (
            f"companyos verify \"$(pulumi stack output image_ref --stack {stack})\" --key cosign.pub "
            f"--digest \"$(pulumi stack output image_digest --stack {stack})\""
        ),
        "rules": f"companyos slo rules --service {name} --out {name}.rules.yml",
        "runbook": f"companyos runbook --service {name} --environment {environment} --out docs/runbooks/{name}.md",
    }


def alert_sections(spec: ServiceSpec) -> list[AlertSection]:
    windows = load_windows(spec.slo.window_days)
    sections = []
    for sli in service_slis(spec):
        for severity in ("page", "ticket"):
            pairs = windows.by_severity(severity)
            name = alert_name(sli, severity)
            sections.append(
                AlertSection(
                    name=name,
                    anchor=runbook_anchor(name),
                    sli_key=sli.key,
                    good_means=sli.good_means,
                    objective_percent=_number(sli.objective_percent),
                    severity=severity,
                    severity_label=pairs[0].severity_label,
                    windows=pairs,
                    bad_percent=_number((100 - sli.objective_percent) * pairs[0].burn_rate),
                )
            )
    return sections


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: resources.files("companyos.observability").joinpath(name).read_text(encoding="utf-8")
        ),
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails the render, never prints blank
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["num"] = _number
    return env


def render_runbook(
    spec: ServiceSpec,
    *,
    environment: str = "dev",
    prometheus_namespace: str = "monitoring",
    min_requests: int = DEFAULT_MIN_REQUESTS,
) -> str:
    windows = load_windows(spec.slo.window_days)
    sections = alert_sections(spec)
    text = (
        _environment()
        .get_template(TEMPLATE_FILE)
        .render(
            spec=spec,
            stack=f"{spec.name}-{environment}",
            environment=environment,
            prometheus_namespace=prometheus_namespace,
            window_set=windows,
            alerts=sections,
            runbook_urls={s.name: runbook_url(spec.name, s.name) for s in sections},
            dashboard=dashboard_path(spec.name),
            min_requests=min_requests,
            availability_budget_percent=_number(100 - Decimal(str(spec.slo.availability))),
            page_burn_rate=_number(max(w.burn_rate for w in windows.by_severity("page"))),
            cmd=runbook_commands(spec, environment, prometheus_namespace),
            signature_doc=SIGNATURE_DOC,
            release_version_annotation=ANNOTATION_RELEASE_VERSION,
            signature_ref_annotation=ANNOTATION_SIGNATURE_REF,
        )
    )
    return text.rstrip("\n") + "\n"  # the per-alert loop leaves blank lines at the end


def runbook_command_lines(markdown: str, program: str = "companyos") -> list[str]:
    """The `program ...` lines inside the runbook's fenced code blocks, in order."""
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced and line.strip().startswith(program + " "):
            lines.append(line.strip())
    return lines
