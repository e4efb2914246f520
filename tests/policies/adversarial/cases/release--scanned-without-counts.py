"""A release record whose scan says only "scanned": no counts, so a reader defaulting to 0 would pass it."""
# expect-exit: 2
# expect-error: a missing count is not zero
# release-scan: {"status": "scanned", "scanner": "grype 0.87.0"}
