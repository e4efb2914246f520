"""What `pulumi up` runs beside the components: stack settings, the per-service plan, the files committed into each repository."""
