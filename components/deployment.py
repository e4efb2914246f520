"""ServiceDeployment: the Kubernetes objects that run a service, hardened the way the policy pack demands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from companyos.catalog.model import Resources
from companyos.contracts.conventions import SERVICE_GID, SERVICE_UID

# Cluster DNS (CoreDNS keeps kube-dns's label): the one destination every service may reach besides its callees.
DNS_NAMESPACE = "kube-system"
DNS_PODS = {"k8s-app": "kube-dns"}


@dataclass(frozen=True)
class ServiceDeploymentArgs:
    name: str
    image_ref: pulumi.Input[str]
    """Must be `repository@sha256:...` (ServiceImage guarantees it)."""
    port: int
    replicas: int
    resources: Resources
    labels: Mapping[str, str]
    """Governance + app labels; put on every object."""
    annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Supply-chain evidence (SBOM digest, signature) on the Deployment and pod template."""
    workload_annotations: Mapping[str, str] = field(default_factory=dict)
    """Evidence on the Deployment's own metadata only (the attestation bundle): changing it restarts no pod."""
    env: Mapping[str, str] = field(default_factory=dict)
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """ENV_NAME -> secret value (a Pulumi secret Output); stored in a Kubernetes Secret."""
    namespace: str | None = None
    """Defaults to the service name."""
    metrics_path: str = "/metrics"
    scrape_interval: str = "30s"
    monitoring_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra labels on the ServiceMonitor only (what the Prometheus operator's serviceMonitorSelector matches)."""
    ingress_namespaces: Sequence[str] = ()
    """Namespaces whose pods may reach the HTTP port (ingress controller, Prometheus, calling services)."""
    egress_services: Sequence[tuple[str, int]] = ()
    """(service, port) this one calls; with DNS, its only egress. A service's namespace is its name."""


class ServiceDeployment(pulumi.ComponentResource):
    namespace: k8s.core.v1.Namespace
    deployment: k8s.apps.v1.Deployment
    service: k8s.core.v1.Service
    namespace_name: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceDeploymentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("paved-road:index:ServiceDeployment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = dict(args.labels)
        selector = {"app.kubernetes.io/name": args.name}
        namespace_name = args.namespace or args.name

        def meta(
            object_name: str, annotations: Mapping[str, pulumi.Input[str]] | None = None
        ) -> k8s.meta.v1.ObjectMetaArgs:
            # Explicit names: the Service name is the DNS name other services use, and the namespace is fixed.
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name,
                namespace=namespace_name,
                labels=labels,
                annotations=dict(annotations) if annotations else None,
            )

        self.namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=namespace_name,
                labels={
                    **labels,
                    # Pod Security Admission: the namespace refuses pods that are not "restricted".
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            ),
            opts=child,
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])

        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=meta(args.name),
            automount_service_account_token=False,
            opts=in_namespace,
        )

        env_vars = [
            k8s.core.v1.EnvVarArgs(name="PORT", value=str(args.port)),
            k8s.core.v1.EnvVarArgs(name="NODE_ENV", value="production"),
            k8s.core.v1.EnvVarArgs(name="OTEL_SERVICE_NAME", value=args.name),
            *(k8s.core.v1.EnvVarArgs(name=key, value=value) for key, value in sorted(args.env.items())),
        ]
        self.secret: k8s.core.v1.Secret | None = None
        if args.secret_env:
            self.secret = k8s.core.v1.Secret(
                f"{name}-secrets",
                metadata=meta(f"{args.name}-secrets"),
                type="Opaque",
                string_data={key: value for key, value in sorted(args.secret_env.items())},
                opts=in_namespace,
            )
            env_vars += [
                k8s.core.v1.EnvVarArgs(
                    name=key,
                    value_from=k8s.core.v1.EnvVarSourceArgs(
                        secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=f"{args.name}-secrets", key=key)
                    ),
                )
                for key in sorted(args.secret_env)
            ]

        probe_port = "http"
        container = k8s.core.v1.ContainerArgs(
            name=args.name,
            image=args.image_ref,
            image_pull_policy="IfNotPresent",
            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=args.port, protocol="TCP")],
            env=env_vars,
            liveness_probe=k8s.core.v1.ProbeArgs(
                http_get=k8s.core.v1.HTTPGetActionArgs(path="/healthz", port=probe_port),
                initial_delay_seconds=5,
                period_seconds=10,
                timeout_seconds=2,
                failure_threshold=3,
            ),
            readiness_probe=k8s.core.v1.ProbeArgs(
                http_get=k8s.core.v1.HTTPGetActionArgs(path="/readyz", port=probe_port),
                period_seconds=5,
                timeout_seconds=2,
                failure_threshold=2,
            ),
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": args.resources.requests.cpu, "memory": args.resources.requests.memory},
                limits={"cpu": args.resources.limits.cpu, "memory": args.resources.limits.memory},
            ),
            security_context=k8s.core.v1.SecurityContextArgs(
                run_as_non_root=True,
                run_as_user=SERVICE_UID,
                run_as_group=SERVICE_GID,
                read_only_root_filesystem=True,
                allow_privilege_escalation=False,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
            ),
            # A read-only root needs a writable /tmp for Node's temp files.
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
        )

        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta(args.name, {**args.annotations, **args.workload_annotations}),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=args.replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge=1),
                ),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels, annotations=dict(args.annotations) or None),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=args.name,
                        automount_service_account_token=False,
                        # Matches the template's SHUTDOWN_TIMEOUT_MS default (10 s) plus headroom.
                        termination_grace_period_seconds=30,
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True,
                            run_as_user=SERVICE_UID,
                            run_as_group=SERVICE_GID,
                            fs_group=SERVICE_GID,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                        ),
                        containers=[container],
                        volumes=[k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs())],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespace, self.service_account]),
        )

        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=meta(args.name),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=80, target_port="http", protocol="TCP")],
            ),
            opts=in_namespace,
        )

        self.pod_disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=meta(args.name),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                # maxUnavailable (not minAvailable) so a single-replica service never blocks node drains.
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
            ),
            opts=in_namespace,
        )

        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol",
            metadata=meta(args.name),
            spec=network_policy_spec(selector, args.port, args.ingress_namespaces, args.egress_services),
            opts=in_namespace,
        )

        self.service_monitor = k8s.apiextensions.CustomResource(
            f"{name}-servicemonitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.name, namespace=namespace_name, labels={**args.monitoring_labels, **labels}
            ),
            spec={
                # job label = the Service name = the service name: the SLO rules and dashboard select job="<name>".
                "selector": {"matchLabels": selector},
                "endpoints": [{"port": "http", "path": args.metrics_path, "interval": args.scrape_interval}],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.namespace, self.service]),
        )

        self.namespace_name = self.namespace.metadata.apply(lambda m: m.name if m and m.name else namespace_name)
        self.register_outputs(
            {
                "namespace": self.namespace_name,
                "deployment_name": args.name,
                "service_name": args.name,
                "image_ref": args.image_ref,
            }
        )


def _in_namespace(namespace: str, pods: Mapping[str, str] | None = None) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    # kubernetes.io/metadata.name is set by the API server on every namespace (1.22+): it cannot be forged by a label.
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace}),
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(pods)) if pods else None,
    )


def network_policy_spec(
    selector: Mapping[str, str],
    port: int,
    ingress_namespaces: Sequence[str],
    egress_services: Sequence[tuple[str, int]],
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """Default-deny both ways: ingress to the HTTP port from the named namespaces only; egress to DNS and to the
    services the stanza declares it calls, on their ports."""
    dns = k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[_in_namespace(DNS_NAMESPACE, DNS_PODS)],
        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=53, protocol=p) for p in ("UDP", "TCP")],
    )
    calls = [
        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
            to=[_in_namespace(callee, {"app.kubernetes.io/name": callee})],
            ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=callee_port, protocol="TCP")],
        )
        for callee, callee_port in egress_services
    ]
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
        policy_types=["Ingress", "Egress"],
        ingress=[
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=[_in_namespace(namespace) for namespace in ingress_namespaces],
                ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=port, protocol="TCP")],
            )
        ]
        if ingress_namespaces
        else [],
        egress=[dns, *calls],
    )
