"""hello-prod's release record names payments-api's image, really signed by the platform key: the signature
verifies, but the image is not hello-prod's."""
# expect-exit: 1
# expect-rules: image-repository-owned
# release-repository: ghcr.io/paved-road/payments-api
