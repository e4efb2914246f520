"""The paved road itself, unchanged: the per-service stack with a signed release passes every rule."""
# expect-exit: 0
