"""Genuine attestations by the platform key, but of another build: copied into this record."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-options: {"attested_digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111"}
