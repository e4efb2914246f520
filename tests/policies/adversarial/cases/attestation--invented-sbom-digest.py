"""The record's SBOM replaced by an invented one: all-zero digest at a bare `oci://` location."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-options: {"patch": {"sbom": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000", "location": "oci://"}}}
