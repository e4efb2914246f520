"""Only the SBOM attestation required: provenance and scan attestations quietly dropped from the policy config."""
# expect-exit: 2
# expect-error: image-attestations-verified required_predicate_types
# policy-config: {"image-attestations-verified": {"required_predicate_types": ["https://cyclonedx.org/bom"]}}
