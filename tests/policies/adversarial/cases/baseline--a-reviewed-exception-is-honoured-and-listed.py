"""A weakening with a reviewed exception in force for this service runs, and the preview lists the exception."""
# expect-exit: 0
# expect-error: Exception in force: image-signature-verified check_reference for hello-prod
# policy-config: {"image-signature-verified": {"check_reference": false}}
# exceptions: {"exceptions": [{"rule": "image-signature-verified", "setting": "check_reference", "scope": {"services": ["hello-prod"]}, "reason": "registry mirror renames the repository during the migration", "owner": "team-platform", "approver": "security-team", "expires": "+30d", "ticket": "https://example.com/SEC-42"}]}
