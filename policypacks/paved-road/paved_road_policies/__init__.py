"""The paved-road CrossGuard rules: one module per family, assembled into the pack by `registry`."""
