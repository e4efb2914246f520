"""Attestations with the right content and digest, signed by a key the platform does not trust."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-options: {"attested_by_stranger": true}
