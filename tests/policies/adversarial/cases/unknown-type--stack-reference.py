"""Another stack's outputs read into this one (a StackReference): a type the paved road never registers."""
# expect-exit: 1
# expect-rules: resource-type-allowed
import pulumi

pulumi.StackReference("acme/payments-api/prod")
