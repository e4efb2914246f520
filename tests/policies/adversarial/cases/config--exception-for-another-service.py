"""The unscanned waiver, excepted for payments-api but used on hello-prod."""
# expect-exit: 2
# expect-error: no exception in force covers it
# policy-config: {"image-vulnerability-threshold": {"allow_unscanned": true}}
# exceptions: {"exceptions": [{"rule": "image-vulnerability-threshold", "setting": "allow_unscanned", "scope": {"services": ["payments-api"]}, "reason": "scanner outage for payments-api", "owner": "team-payments", "approver": "security-team", "expires": "+10d"}]}
