"""What the gate benchmark judges: the program's resources for whole synthetic stanzas, a copy broken on purpose,
and the policy config (with the exceptions the baseline pack needs)."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

from benchmarks.gate.packs import REAL_PACK
from benchmarks.synthetic_catalog import write_synthetic_catalog
from companyos.contracts.conventions import trusted_key_config

ROOT = Path(__file__).resolve().parents[2]
RESOURCES_PER_STANZA = 26  # a released stanza (tests/program/test_program.py EXPECTED_TYPES_PER_SERVICE)


def baseline_exceptions(path: Path, config: dict[str, Any], stanzas: int) -> Path:
    """Exceptions for every setting `config` gives the baseline pack: it predates the `x-weakens` declarations, so
    the gate reads any change from its defaults (a trusted key, the PR labels) as a weakening to be excepted."""
    import datetime

    import yaml

    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    services = [f"svc-{index:04d}" for index in range(stanzas)]
    entries = [
        {
            "rule": rule,
            "setting": setting,
            "scope": {"services": services},
            "reason": "benchmark: the baseline pack's inputs",
            "owner": "bench",
            "approver": "bench-review",
            "expires": expires,
        }
        for rule, settings in config.items()
        if isinstance(settings, dict)
        for setting in settings
    ]
    path.write_text(yaml.safe_dump({"exceptions": entries}))
    return path


# Rules added after the baseline revision the plan compares with (b82f5f4) that take config.
NEWER_RULES = frozenset({"image-attestations-verified"})


def with_trusted_key(
    overrides: dict[str, Any], pack: Path, public_pem: bytes, baseline: Path | None = None
) -> dict[str, Any]:
    """The real pack verifies signatures: trust the synthetic catalogue's key so the gate judges a valid release."""
    if pack.resolve() not in (REAL_PACK.resolve(), baseline.resolve() if baseline else None):
        return overrides
    keys = trusted_key_config([public_pem.decode()])
    if baseline is not None and pack.resolve() == baseline.resolve():
        keys = {name: value for name, value in keys.items() if name not in NEWER_RULES}
    return {
        "pull-request-governance-labels": {
            "labels": ["risk:medium", "data-classification:internal"],
            "source": "pull_request",
        },
        **overrides,
        **keys,
    }


def program_resources(count: int, work: Path) -> tuple[list[Any], bytes]:
    """Every resource of the fewest whole stanzas with >= `count` resources (a cut stanza fails stack rules)."""
    from companyos.preview.program_run import run_program

    stanzas = -(-count // RESOURCES_PER_STANZA)
    catalog, releases, public_pem = write_synthetic_catalog(work, stanzas)
    run = run_program(
        ROOT, stack="bench", config={"paved-road:catalog": str(catalog), "paved-road:releasesDir": str(releases)}
    )
    if run.error:
        raise SystemExit(f"the program failed: {run.error}")
    return run.resources, public_pem


def broken_copy(resources: list[Any]) -> list[Any]:
    """The same resources with every 7th Kubernetes object missing its risk label and every 2nd Deployment's first
    container on a tag: a set both engines must find violations in, and agree on."""
    from companyos.policy_gate.resources import to_struct

    broken = []
    objects = deployments = 0
    for resource in resources:
        inputs = copy.deepcopy(resource.inputs)
        metadata = inputs.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        if resource.type.startswith("kubernetes:") and isinstance(labels, dict):
            objects += 1
            if objects % 7 == 0:
                labels.pop("risk", None)
        if resource.type == "kubernetes:apps/v1:Deployment":
            deployments += 1
            container = inputs["spec"]["template"]["spec"]["containers"][0]
            if deployments % 2 == 0:
                container["image"] = container["image"].split("@", 1)[0] + ":1.0.0"
        broken.append(dataclasses.replace(resource, inputs=inputs, inputs_struct=to_struct(inputs, where=resource.urn)))
    return broken
