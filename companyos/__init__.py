"""Paved Road: catalogue, CLI and supply-chain tooling behind the Pulumi program."""

import sys

# jsonschema checks the iri/iri-reference formats with rfc3987_syntax when that optional package is
# installed (check-jsonschema, a test tool, pulls it in): building its grammar costs 1.5-3.5 s per process
# and each IRI in a CycloneDX document ~0.2 s, 8-13 s per SBOM validation. A plain install does not have
# it, so refusing it here keeps every install judging documents the same way (IRI formats unchecked,
# structure, types and enums checked) and fast. Here, not in a module, because cyclonedx-python-lib
# imports jsonschema on its own and whichever import comes first decides.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__version__ = "0.1.0"
