"""A pack that defines policies but never constructs PolicyPack(...): it exits without serving."""

from pulumi_policy import ResourceValidationPolicy

POLICIES = [ResourceValidationPolicy(name="noop", description="Never objects.", validate=lambda a, r: None)]
