"""A pack with a healthy policy and one that raises on every Thing."""

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def fine(args, report_violation):
    return None


def broken(args, report_violation):
    if args.resource_type == "test:index:Thing":
        raise KeyError("labels")


PolicyPack(
    name="gate-test-rule-raises",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(name="always-fine", description="Never objects.", validate=fine),
        ResourceValidationPolicy(name="reads-missing-labels", description="Crashes on Things.", validate=broken),
    ],
)
