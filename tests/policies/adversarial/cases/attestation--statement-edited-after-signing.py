"""The signed scan statement edited to report no medium finding, the signature kept: the forger's first try."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-options: {"payload_edit": ["\"medium\":1", "\"medium\":0"], "patch": {"scan": {"counts": {"medium": 0}}}}
