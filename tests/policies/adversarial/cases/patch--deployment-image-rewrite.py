"""A DeploymentPatch that rewrites the gated hello-prod Deployment to run busybox:latest: judged as the
Deployment it would write."""
# expect-exit: 1
# expect-rules: resource-type-allowed, image-pinned-by-digest, image-signature-verified
import pulumi_kubernetes as k8s

k8s.apps.v1.DeploymentPatch(
    "hello-prod-hotfix",
    metadata={"name": "hello-prod", "namespace": "hello-prod"},
    spec={"template": {"spec": {"containers": [{"name": "hello-prod", "image": "busybox:latest"}]}}},
)
