"""PavedRoadService: one catalogue stanza -> repository, image, deployment, dashboard and alerts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from companyos.catalog import ServiceSpec
from companyos.contracts.conventions import (
    ANNOTATION_ATTESTATIONS,
    ANNOTATION_GIT_COMMIT,
    ANNOTATION_RELEASE_VERSION,
    ANNOTATION_SBOM_DIGEST,
    ANNOTATION_SBOM_LOCATION,
    ANNOTATION_SCAN,
    ANNOTATION_SIGNATURE,
    ANNOTATION_SIGNATURE_PAYLOAD,
    ANNOTATION_SIGNATURE_REF,
    ANNOTATION_SLO,
)
from companyos.contracts.release_record import ReleaseRecord
from companyos.supply_chain.attestation_bundle import encode_bundle
from components.deployment import ServiceDeployment, ServiceDeploymentArgs
from components.image import ImageBuildArgs, ServiceImage, ServiceImageArgs
from components.observability import ServiceObservability, ServiceObservabilityArgs
from components.repository import ServiceRepository, ServiceRepositoryArgs


@dataclass(frozen=True)
class PavedRoadServiceArgs:
    spec: ServiceSpec
    environment: str
    repository_files: Mapping[str, str]
    """Files the platform commits into the service repository (CI workflow, service.yaml, CODEOWNERS)."""
    dashboard_json: str
    rule_groups: Sequence[Mapping[str, Any]]
    release: ReleaseRecord | None = None
    """What to deploy. Without a release (and without image_build) only the repository is provisioned:
    the service's CI builds the first image, then `pulumi up` with its release record deploys it."""
    image_build: ImageBuildArgs | None = None
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    github_visibility: str = "private"
    manage_repository: bool = True
    monitoring_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra labels on the ServiceMonitor and PrometheusRule (e.g. kube-prometheus-stack's `release`)."""
    ingress_namespaces: Sequence[str] = ()
    """Namespaces allowed to reach the service (ingress controller, monitoring, the stanzas that call it)."""
    egress_services: Sequence[tuple[str, int]] = ()
    """(service, port) of each stanza this one calls: its only egress besides DNS."""


def release_annotations(spec: ServiceSpec, release: ReleaseRecord | None) -> dict[str, str]:
    """Evidence the policy gate verifies on the Deployment; absent fields stay absent so the gate reports them."""
    annotations = {
        ANNOTATION_SLO: json.dumps(
            {
                "availability": spec.slo.availability,
                "latency_threshold_ms": spec.slo.latency.threshold_ms,
                "latency_objective": spec.slo.latency.objective,
                "window_days": spec.slo.window_days,
            },
            sort_keys=True,
        ),
    }
    if release is None:
        return annotations
    annotations[ANNOTATION_RELEASE_VERSION] = release.version
    if release.git_commit:
        annotations[ANNOTATION_GIT_COMMIT] = release.git_commit
    if release.sbom is not None:
        annotations[ANNOTATION_SBOM_DIGEST] = release.sbom.digest
        annotations[ANNOTATION_SBOM_LOCATION] = release.sbom.location
    if release.signature is not None:
        annotations[ANNOTATION_SIGNATURE_REF] = release.signature.ref
        annotations[ANNOTATION_SIGNATURE] = release.signature.signature_b64
        annotations[ANNOTATION_SIGNATURE_PAYLOAD] = release.signature.payload_b64
    scan = release.scan
    annotations[ANNOTATION_SCAN] = json.dumps(
        {
            "status": scan.status,
            "scanner": scan.scanner,
            "db_version": scan.db_version,
            "counts": scan.counts,
            "max_cvss": scan.max_cvss,
        },
        sort_keys=True,
    )
    return annotations


def attestation_annotations(release: ReleaseRecord | None) -> dict[str, str]:
    """The release's signed attestations, for the Deployment's own metadata (too large for every pod)."""
    if release is None or not release.attestations:
        return {}
    return {ANNOTATION_ATTESTATIONS: encode_bundle(attestation.envelope for attestation in release.attestations)}


class PavedRoadService(pulumi.ComponentResource):
    repository: ServiceRepository | None
    image: ServiceImage | None
    deployment: ServiceDeployment | None
    observability: ServiceObservability | None

    def __init__(self, name: str, args: PavedRoadServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("paved-road:index:PavedRoadService", name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        labels = {**spec.labels, "environment": args.environment}

        self.repository = None
        if args.manage_repository:
            self.repository = ServiceRepository(
                name,
                ServiceRepositoryArgs(
                    name=spec.name,
                    description=spec.description,
                    owner_team=spec.owner,
                    risk=spec.risk,
                    data_classification=spec.data_classification,
                    files=args.repository_files,
                    visibility=args.github_visibility,
                    # High-risk services need two approvals: the second pair of eyes is the cheap control.
                    required_approvals=2 if spec.risk == "high" else 1,
                ),
                child,
            )

        self.image = self.deployment = self.observability = None
        if args.release is not None or args.image_build is not None:
            self.image = ServiceImage(name, ServiceImageArgs(release=args.release, build=args.image_build), child)
            self.deployment = ServiceDeployment(
                name,
                ServiceDeploymentArgs(
                    name=spec.name,
                    image_ref=self.image.image_ref,
                    port=spec.port,
                    replicas=spec.replicas,
                    resources=spec.resources,
                    labels=labels,
                    annotations=release_annotations(spec, args.release),
                    workload_annotations=attestation_annotations(args.release),
                    env=spec.env,
                    secret_env=args.secret_env,
                    monitoring_labels=args.monitoring_labels,
                    ingress_namespaces=args.ingress_namespaces,
                    egress_services=args.egress_services,
                ),
                child,
            )
            self.observability = ServiceObservability(
                name,
                ServiceObservabilityArgs(
                    name=spec.name,
                    namespace=self.deployment.namespace_name,
                    labels=labels,
                    dashboard_json=args.dashboard_json,
                    rule_groups=args.rule_groups,
                    monitoring_labels=args.monitoring_labels,
                ),
                pulumi.ResourceOptions(parent=self, depends_on=[self.deployment.namespace]),
            )
        else:
            pulumi.log.warn(
                f"{spec.name}: no release record yet, so only the repository is provisioned. The service's CI "
                "builds, signs and records the first release; then `pulumi up` with paved-road:releaseRecord deploys it.",
                resource=self,
            )

        self.outputs: dict[str, Any] = {
            "repository_url": self.repository.html_url if self.repository else None,
            "image_digest": self.image.digest if self.image else None,
            "image_ref": self.image.image_ref if self.image else None,
            "namespace": self.deployment.namespace_name if self.deployment else None,
            "dashboard_name": self.observability.dashboard_name if self.observability else None,
            "alert_rule_names": self.observability.alert_names if self.observability else [],
            "release_version": args.release.version if args.release else None,
        }
        self.register_outputs(self.outputs)
