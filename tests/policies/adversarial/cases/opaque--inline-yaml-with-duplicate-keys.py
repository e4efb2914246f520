"""Inline YAML that sets `privileged` twice in one mapping: parsers disagree on which value wins, so the
gate refuses to pick one."""
# expect-exit: 1
# expect-rules: resource-judgeable-offline
import pulumi
import pulumi_kubernetes as k8s

k8s.yaml.v2.ConfigGroup("dup", yaml="""
apiVersion: v1
kind: Pod
metadata: {name: dup, namespace: hello-prod}
spec:
  containers:
    - name: app
      image: ghcr.io/paved-road/hello-prod@sha256:4444444444444444444444444444444444444444444444444444444444444444
      securityContext:
        privileged: false
        privileged: true
""", opts=pulumi.ResourceOptions(parent=services["hello-prod"]))
