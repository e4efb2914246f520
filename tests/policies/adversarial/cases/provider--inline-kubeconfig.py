"""An explicit Kubernetes provider with an inline admin kubeconfig, used to create an allowed-type object."""
# expect-exit: 1
# expect-rules: provider-inputs-allowed
import pulumi
import pulumi_kubernetes as k8s

admin = k8s.Provider("admin", kubeconfig="apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user: {token: abc}\n")
k8s.core.v1.ConfigMap("hello-prod-extra", metadata={"name": "extra", "namespace": "hello-prod",
                                                    "labels": {"app.kubernetes.io/name": "hello-prod"}},
                      opts=pulumi.ResourceOptions(parent=services["hello-prod"], provider=admin))
