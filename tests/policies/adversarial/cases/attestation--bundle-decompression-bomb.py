"""A second workload whose attestation annotation inflates to 40 MB: refused at the limit, not parsed."""
# expect-exit: 1
# expect-rules: image-attestations-verified
import base64
import gzip

import pulumi
import pulumi_kubernetes as k8s

service = services["hello-prod"]
original = service.deployment.deployment
bomb = base64.b64encode(gzip.compress(b"[" + b" " * 40_000_000 + b"]", compresslevel=9)).decode()
k8s.apps.v1.Deployment(
    "hello-prod-bomb",
    metadata=original.metadata.apply(lambda m: {"name": "hello-prod-bomb", "namespace": m.namespace,
                                                "labels": m.labels,
                                                "annotations": {**m.annotations, "paved-road.dev/attestations": bomb}}),
    spec=original.spec,
    opts=pulumi.ResourceOptions(parent=service),
)
