"""A Helm v4 chart: its objects are rendered inside the provider, where no offline preview looks."""
# expect-exit: 1
# expect-rules: resource-judgeable-offline, resource-type-allowed
import pulumi_kubernetes as k8s

k8s.helm.v4.Chart("ingress", chart="oci://registry-1.docker.io/bitnamicharts/nginx", namespace="kube-system")
