"""A DaemonSet running hello-prod's signed image with all its evidence, inside hello-prod's namespace and
labels, that shares the host's network/PID/IPC namespaces, mounts /, adds NET_ADMIN and turns seccomp off."""
# expect-exit: 1
# expect-rules: resource-type-allowed, pod-host-namespaces, pod-volume-types, container-capabilities, pod-seccomp-profile
import pulumi
import pulumi_kubernetes as k8s

service = services["hello-prod"]
deployment = service.deployment.deployment
image = deployment.spec.apply(lambda spec: spec.template.spec.containers[0].image)
labels = deployment.metadata.apply(lambda m: m.labels)
annotations = deployment.metadata.apply(lambda m: m.annotations)

k8s.apps.v1.DaemonSet(
    "hello-prod-agent",
    metadata={"name": "hello-prod-agent", "namespace": "hello-prod", "labels": labels, "annotations": annotations},
    spec={
        "selector": {"matchLabels": {"app.kubernetes.io/name": "hello-prod"}},
        "template": {
            "metadata": {"labels": labels, "annotations": annotations},
            "spec": {
                "hostNetwork": True, "hostPID": True, "hostIPC": True,
                "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                    "seccompProfile": {"type": "Unconfined"}},
                "containers": [{
                    "name": "hello-prod", "image": image,
                    "securityContext": {"runAsNonRoot": True, "readOnlyRootFilesystem": True,
                                        "allowPrivilegeEscalation": False, "capabilities": {"add": ["NET_ADMIN"]}},
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                  "limits": {"cpu": "200m", "memory": "128Mi"}},
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                    "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
                    "volumeMounts": [{"name": "host", "mountPath": "/host"}],
                }],
                "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
            },
        },
    },
    opts=pulumi.ResourceOptions(parent=service),
)
