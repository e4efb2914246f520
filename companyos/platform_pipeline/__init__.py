"""The platform repository's own pipeline: which stacks a change touches, and the workflow that previews them
with the policy pack on a pull request and deploys them on merge."""
