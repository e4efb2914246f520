"""An Argo Rollout and a Knative Service running unpinned images: both carry pod templates the old fixed
list of kinds never looked at."""
# expect-exit: 1
# expect-rules: resource-type-allowed, image-pinned-by-digest, container-capabilities
import pulumi_kubernetes as k8s

pod = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
k8s.apiextensions.CustomResource(
    "canary", api_version="argoproj.io/v1alpha1", kind="Rollout",
    metadata={"name": "canary", "namespace": "hello-prod"},
    spec={"replicas": 2, "selector": {"matchLabels": {"app": "canary"}},
          "template": {"metadata": {"labels": {"app": "canary"}}, "spec": pod},
          "strategy": {"canary": {"steps": [{"setWeight": 50}]}}})
k8s.apiextensions.CustomResource(
    "fn", api_version="serving.knative.dev/v1", kind="Service",
    metadata={"name": "fn", "namespace": "hello-prod"},
    spec={"template": {"spec": pod}})
