"""A second Deployment of hello-prod's own signed image whose scan annotation counts 3 `Critical` findings
and 0 `critical` ones: a reader of the lower-case key sees nothing critical."""
# expect-exit: 1
# expect-rules: image-vulnerability-threshold
import json

import pulumi
import pulumi_kubernetes as k8s

service = services["hello-prod"]
original = service.deployment.deployment
SCAN = "paved-road.dev/vulnerability-scan"
forged = json.dumps({"status": "scanned", "scanner": "grype 0.87.0", "max_cvss": 5.0,
                     "counts": {"Critical": 3, "critical": 0, "high": 0}})


def spec(s):
    container = s.template.spec.containers[0]
    return {"selector": {"matchLabels": {"app.kubernetes.io/name": "hello-prod"}},
            "template": {"metadata": {"labels": s.template.metadata.labels},
                         "spec": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                                  "containers": [{"name": "hello-prod", "image": container.image,
                                                  "securityContext": {"allowPrivilegeEscalation": False,
                                                                      "capabilities": {"drop": ["ALL"]}}}]}}}


k8s.apps.v1.Deployment(
    "hello-prod-recount",
    metadata=original.metadata.apply(lambda m: {"name": "hello-prod-recount", "namespace": m.namespace,
                                                "labels": m.labels, "annotations": {**m.annotations, SCAN: forged}}),
    spec=original.spec.apply(spec),
    opts=pulumi.ResourceOptions(parent=service),
)
