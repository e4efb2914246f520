"""The vulnerability thresholds raised until nothing can fail them."""
# expect-exit: 2
# expect-error: image-vulnerability-threshold max_critical (0 -> 1000000)
# policy-config: {"image-vulnerability-threshold": {"cvss_threshold": 10, "max_critical": 1000000}}
