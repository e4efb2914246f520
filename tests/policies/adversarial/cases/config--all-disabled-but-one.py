"""Every rule disabled but one made advisory: slips past the "every policy disabled" guard."""
# expect-exit: 2
# expect-error: container-probes enforcementLevel (level mandatory -> advisory)
# policy-config: {"all": "disabled", "container-probes": "advisory"}
