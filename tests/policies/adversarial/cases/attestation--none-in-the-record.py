"""A signed release whose record carries no attestations: the SBOM digest and scan are bare strings."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-options: {"attested": false}
