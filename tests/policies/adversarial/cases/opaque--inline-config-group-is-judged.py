"""A ConfigGroup whose inline YAML renders a privileged Pod in kube-system: the objects are judged one by one
(and the ConfigGroup type itself is not on the allowlist)."""
# expect-exit: 1
# expect-rules: resource-type-allowed, container-privileged, image-pinned-by-digest, service-ownership
import pulumi
import pulumi_kubernetes as k8s

k8s.yaml.v2.ConfigGroup("extras", yaml="""
apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: kube-system}
spec:
  containers:
    - name: sh
      image: busybox:latest
      securityContext: {privileged: true}
""", opts=pulumi.ResourceOptions(parent=services["hello-prod"]))
