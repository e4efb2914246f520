"""A GitHub provider with a personal token in the program, and a Kubernetes provider pointed at another context."""
# expect-exit: 1
# expect-rules: provider-inputs-allowed
import pulumi_github as github
import pulumi_kubernetes as k8s

github.Provider("personal", owner="acme", token="ghp_0123456789abcdef0123456789abcdef0123")
k8s.Provider("prod", context="prod-admin", namespace="kube-system")
