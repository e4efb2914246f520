"""Small helpers with one job each: atomic file writes, the jsonschema import."""
