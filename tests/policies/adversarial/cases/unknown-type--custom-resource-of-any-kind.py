"""A custom resource type nobody wrote a rule for, registered straight through the SDK."""
# expect-exit: 1
# expect-rules: resource-type-allowed, service-ownership
import pulumi

pulumi.CustomResource("acme:index:Backdoor", "backdoor", {"endpoint": "https://attacker.example"})
