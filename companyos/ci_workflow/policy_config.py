"""The policy config a service's gate runs with, written in one place for CI's policy-gate job and the local release.

The governance labels come from the pull request on `pull_request` events and from the service's own
`service.yaml` otherwise (a push has no pull request); the trusted keys are the release key every signature rule
verifies with. Without a key the signature and attestation rules block (fail-closed), they never pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from companyos.catalog.model import ServiceSpec
from companyos.contracts.conventions import (
    POLICY_CONFIG_POLICY,
    PR_LABEL_PREFIXES,
    SERVICE_METADATA_PATH,
    trusted_key_config,
)
from companyos.contracts.errors import UserError

# Each required PR label prefix and the service.yaml field (catalogue stanza field) that carries its value.
LABEL_FIELDS = {"risk:": "risk", "data-classification:": "data_classification"}
if tuple(LABEL_FIELDS) != PR_LABEL_PREFIXES:
    raise RuntimeError("companyos.contracts.conventions.PR_LABEL_PREFIXES changed: update LABEL_FIELDS")
UNSCANNED_WAIVER = {"image-vulnerability-threshold": {"allow_unscanned": True}}


def labels_from_pull_request(labels_json: str) -> list[str]:
    """The governance labels among a pull request's labels (`toJSON(github.event.pull_request.labels.*.name)`)."""
    try:
        labels = json.loads(labels_json or "[]")
    except ValueError:
        raise UserError(f"--pr-labels {labels_json[:80]!r} is not a JSON list of label names") from None
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise UserError("--pr-labels must be a JSON list of label names")
    return sorted(label for label in labels if label.startswith(PR_LABEL_PREFIXES))


def labels_from_service_metadata(path: Path) -> list[str]:
    """The labels the service declares in its service.yaml (risk, data classification)."""
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise UserError(
            f"{path}: cannot read the service's metadata ({error}); it is written by the platform"
        ) from None
    if not isinstance(meta, dict):
        raise UserError(f"{path}: not a mapping; restore the file the platform writes")
    return sorted(f"{prefix}{meta[key]}" for prefix, key in LABEL_FIELDS.items() if meta.get(key))


def labels_from_stanza(spec: ServiceSpec) -> list[str]:
    """The labels a stanza declares: what the platform repository's own preview of the service's stack runs with
    (a platform pull request is not the service's, so its labels say nothing about the service)."""
    return sorted(f"{prefix}{getattr(spec, key)}" for prefix, key in LABEL_FIELDS.items() if getattr(spec, key))


def gate_policy_config(
    *, labels: Iterable[str], source: str, public_keys: Iterable[str], allow_unscanned: bool = False
) -> dict[str, Any]:
    """The `--policy-pack-config` document: governance labels, trusted keys and, only when asked, the waiver
    (which the gate accepts only under a reviewed exception)."""
    config: dict[str, Any] = {POLICY_CONFIG_POLICY: {"labels": sorted(labels), "source": source}}
    keys = [key for key in public_keys if key.strip()]
    if keys:
        config.update(trusted_key_config(keys))
    if allow_unscanned:
        config.update(UNSCANNED_WAIVER)
    return config


def ci_policy_config(
    *,
    event_name: str,
    pr_labels: str,
    pr_number: str,
    service_dir: Path,
    public_key: str,
    stanza: ServiceSpec | None = None,
) -> dict[str, Any]:
    """What CI's policy-gate job writes, from the event (through env, never `${{ }}` in a script). With `stanza`
    (the platform repository's pipeline) the labels are the stanza's, whatever the event."""
    if stanza is not None:
        labels, source = labels_from_stanza(stanza), f"services.yaml stanza {stanza.name}"
    elif event_name == "pull_request":
        labels, source = labels_from_pull_request(pr_labels), f"pull request #{pr_number} labels"
    else:
        labels, source = labels_from_service_metadata(service_dir / SERVICE_METADATA_PATH), SERVICE_METADATA_PATH
    return gate_policy_config(labels=labels, source=source, public_keys=[public_key])


def render(config: Mapping[str, Any]) -> str:
    return json.dumps(config, indent=2, sort_keys=True) + "\n"
