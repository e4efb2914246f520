"""The signature, SBOM and vulnerability rules disabled, and the rest left mandatory so the gate still runs."""
# expect-exit: 2
# expect-error: image-signature-verified enforcementLevel (level mandatory -> disabled)
# policy-config: {"image-signature-verified": "disabled", "image-sbom-attached": "disabled", "image-vulnerability-threshold": "disabled"}
