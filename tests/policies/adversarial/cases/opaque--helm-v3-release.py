"""A Helm v3 Release with values that would run privileged pods."""
# expect-exit: 1
# expect-rules: resource-judgeable-offline, resource-type-allowed
import pulumi_kubernetes as k8s

k8s.helm.v3.Release("agent", chart="falco", repository_opts={"repo": "https://falcosecurity.github.io/charts"},
                    values={"driver": {"kind": "modern_ebpf"}, "podSecurityContext": {"privileged": True}})
