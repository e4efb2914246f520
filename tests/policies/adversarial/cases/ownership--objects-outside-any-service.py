"""Objects of allowed types created at the top of the program, under no service: one in `default`, one with no
namespace at all."""
# expect-exit: 1
# expect-rules: service-ownership
import pulumi_kubernetes as k8s

labels = {"app.kubernetes.io/name": "hello-prod", "owner": "team-platform", "risk": "medium",
          "data-classification": "internal"}
k8s.core.v1.ConfigMap("loose", metadata={"name": "loose", "namespace": "default", "labels": labels})
k8s.core.v1.Service("loose-svc", metadata={"name": "loose", "labels": labels},
                    spec={"type": "NodePort", "ports": [{"port": 80}]})
