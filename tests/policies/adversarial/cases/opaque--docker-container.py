"""A privileged container on a Docker host through pulumi-docker: outside every Kubernetes rule."""
# expect-exit: 1
# expect-rules: resource-judgeable-offline, resource-type-allowed
import pulumi_docker as docker

docker.Container("sidecar", image="busybox:latest", privileged=True, network_mode="host")
