"""The one-page evidence pack of a release: what changed, was it tested, is it compliant, how to roll back."""
