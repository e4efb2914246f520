"""The Rego comparator of the gate benchmark: two paved-road rules in Rego, evaluated by regopy (rego-cpp).

Comparator only, never the gate (ADR-0015: the gate is the Python CrossGuard pack). It times what a Rego
engine costs on the same resources and, because a comparator that judges differently compares nothing,
it reports which resources violate so the bench and tests/policies/test_rego_comparator.py can check both
engines agree.

Why regopy and not regorus: the upstream `regorus` wheel is not on the PyPI mirror this project installs
from, and the `*-regorus` wheels that are (celine-, gordon-to-, hobofan-, lakera-, teserak-regorus) are
third-party repackagings of a native binary, which a supply-chain governance product should not pull in.
regopy is Microsoft's own Python binding of rego-cpp (a C++ Rego interpreter), published on PyPI.

The Rego (labels.rego, image_digest.rego) reads the rule's config and the pack's facts (pod spec paths,
container lists, governance label names, the engine's unknown sentinels) from `data.paved_road_facts`, built
here from the pack's own modules, so the two engines judge against the same facts and the same config.
Known difference, outside anything the program generates: the tag grammar is ASCII in the Rego, Unicode
`\\w` in the Python (companyos.supply_chain.reference._TAG).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REGO_DIR = Path(__file__).resolve().parent
PACK_DIR = REGO_DIR.parents[1] / "policypacks" / "paved-road"
MODULES = ("labels.rego", "image_digest.rego")
# The paved-road rule each Rego module stands for, and the set of violations it defines.
RULES = {
    "kubernetes-governance-labels": "data.paved_road.labels.violations",
    "image-pinned-by-digest": "data.paved_road.image_digest.violations",
}
QUERY = "[" + ", ".join(f"count({rule})" for rule in RULES.values()) + "]"


def pack_facts(labels_config: Mapping[str, Any]) -> dict[str, Any]:
    """`data.paved_road_facts`: the label rule's validated config plus the facts both rules share with the pack."""
    if str(PACK_DIR) not in sys.path:
        sys.path.insert(0, str(PACK_DIR))
    from companyos.contracts.conventions import GOVERNANCE_LABELS

    from paved_road_policies import k8s
    from paved_road_policies.props import UNKNOWN_SENTINELS

    return {
        "risk_values": list(labels_config["risk_values"]),
        "data_classification_values": list(labels_config["data_classification_values"]),
        "owner_pattern": labels_config["owner_pattern"],
        "governance_labels": list(GOVERNANCE_LABELS),
        "pod_spec_paths": {t: list(path) for t, path in k8s.WELL_KNOWN_POD_SPEC_PATHS.items()},
        "container_lists": list(k8s.CONTAINER_LISTS),
        "unknown_values": sorted(UNKNOWN_SENTINELS),
    }


class RegoRules:
    """Both modules compiled once into a rego-cpp bundle with the facts; `counts` judges one resource."""

    def __init__(self, labels_config: Mapping[str, Any]) -> None:
        from regopy import Interpreter

        build = Interpreter()
        for module in MODULES:
            build.add_module(module, (REGO_DIR / module).read_text(encoding="utf-8"))
        # Not under data.paved_road: the modules' own packages live there (a rule reading it would recurse).
        build.add_data_json(json.dumps({"paved_road_facts": pack_facts(labels_config)}))
        # A bundle is compiled once; Interpreter.query would parse and compile the modules on every call.
        self._bundle = build.build(QUERY)
        if not self._bundle.ok():
            raise RuntimeError(f"the Rego comparator's modules do not compile: {self._bundle.node()}")
        self._rego = Interpreter()

    def counts(self, type_token: str, props: Mapping[str, Any]) -> dict[str, int]:
        """{rule name: number of violations} for one resource (its inputs in the Analyzer's wire form)."""
        # JSON text in, parsed by rego-cpp: no slower than regopy's Input, which crosses ctypes once per value.
        self._rego.set_input_term(json.dumps({"type": type_token, "props": props}))
        try:
            output = self._rego.query_bundle(self._bundle)
        except ValueError as error:  # regopy json-decodes rego-cpp's error text as if it were a result
            raise RuntimeError(f"the Rego comparator failed on a {type_token}: {error}") from None
        if not output.results or not output.results[0].expressions:
            raise RuntimeError(f"the Rego comparator returned no result for a {type_token}: {output}")
        return dict(zip(RULES, output.results[0].expressions[0], strict=True))
