"""A critical finding is attested; the record writer drops that attestation, says "not-scanned" and relies on a
valid unscanned waiver. The signed provenance names the scan the build made, so the record cannot lose it."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-scan: {"status": "scanned", "scanner": "grype 0.87.0", "db_version": "v6", "counts": {"critical": 1, "high": 0}, "max_cvss": 9.8}
# release-options: {"drop_predicate": "https://cosign.sigstore.dev/attestation/vuln/v1", "patch": {"scan": {"status": "not-scanned", "counts": null, "max_cvss": null}}}
# policy-config: {"image-vulnerability-threshold": {"allow_unscanned": true}}
# exceptions: {"exceptions": [{"rule": "image-vulnerability-threshold", "setting": "allow_unscanned", "scope": {"services": ["hello-prod"]}, "reason": "scanner outage", "owner": "team-platform", "approver": "security-team", "expires": "+7d"}]}
