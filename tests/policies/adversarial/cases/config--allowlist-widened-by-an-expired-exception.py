"""A DaemonSet allowed through an exception that expired yesterday."""
# expect-exit: 2
# expect-error: expired on
# policy-config: {"resource-type-allowed": {"additional_types": ["kubernetes:apps/v1:DaemonSet"]}}
# exceptions: {"exceptions": [{"rule": "resource-type-allowed", "setting": "additional_types", "scope": {"services": ["hello-prod"], "types": ["kubernetes:apps/v1:DaemonSet"]}, "reason": "node agent for the incident", "owner": "team-platform", "approver": "security-team", "expires": "-1d"}]}
