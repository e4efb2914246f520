"""A pack that prints to stdout before PolicyPack(...) prints its port."""

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

print("loading paved-road policies...")

PolicyPack(
    name="gate-test-print-before-port",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name="noop", description="Never objects.", validate=lambda a, r: None)],
)
