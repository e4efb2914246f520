"""A critical finding is attested; the record says "not-scanned" and a valid unscanned waiver is in force."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-scan: {"status": "scanned", "scanner": "grype 0.87.0", "db_version": "v6", "counts": {"critical": 1, "high": 0}, "max_cvss": 9.8}
# release-options: {"patch": {"scan": {"status": "not-scanned", "counts": null, "max_cvss": null}}}
# policy-config: {"image-vulnerability-threshold": {"allow_unscanned": true}}
# exceptions: {"exceptions": [{"rule": "image-vulnerability-threshold", "setting": "allow_unscanned", "scope": {"services": ["hello-prod"]}, "reason": "scanner outage", "owner": "team-platform", "approver": "security-team", "expires": "+7d"}]}
