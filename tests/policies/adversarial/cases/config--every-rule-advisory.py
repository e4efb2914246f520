"""A policy config that makes every rule advisory: the gate would report and pass everything."""
# expect-exit: 2
# expect-error: weakens the gate's baseline without an exception
# policy-config: {"all": "advisory"}
import pulumi_kubernetes as k8s

k8s.core.v1.Pod("miner", metadata={"name": "miner", "namespace": "kube-system"},
                spec={"containers": [{"name": "m", "image": "xmrig:latest", "securityContext": {"privileged": True}}]})
