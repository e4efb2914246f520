"""The image was scanned (a critical finding, attested); the record writer reports a clean scan instead."""
# expect-exit: 1
# expect-rules: image-attestations-verified
# release-scan: {"status": "scanned", "scanner": "grype 0.87.0", "db_version": "v6", "counts": {"critical": 1, "high": 0}, "max_cvss": 9.8}
# release-options: {"patch": {"scan": {"counts": {"critical": 0}, "max_cvss": 4.0}}}
