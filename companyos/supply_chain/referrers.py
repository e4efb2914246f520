"""Attach an artifact (the SBOM) to an image as an OCI 1.1 referrer.

The artifact is an OCI image manifest with `artifactType`, the empty config, one layer (the document) and a
`subject` naming the image manifest (image-spec v1.1 manifest.md "Guidelines for Artifact Usage").
Registries with the referrers API (distribution 3, Harbor, GHCR...) index it by `subject` by themselves;
distribution 2.8 (Debian's) has no such API, so we also maintain the distribution-spec's "referrers tag
schema" fallback: an image index at tag `sha256-<hex>` listing the referrers, which oras and cosign read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from companyos.supply_chain.oci import (
    EMPTY_CONFIG,
    EMPTY_CONFIG_TYPE,
    OCI_INDEX,
    OCI_MANIFEST,
    Manifest,
    RegistryClient,
    RegistryError,
    sha256_digest,
)
from companyos.supply_chain.reference import parse_digest


def referrers_tag(digest: str) -> str:
    """distribution-spec v1.1 "Referrers Tag Schema": `sha256:<hex>` -> `sha256-<hex>`."""
    return parse_digest(digest).replace(":", "-")


def attach_artifact(
    client: RegistryClient,
    repository: str,
    subject: Manifest,
    *,
    artifact_type: str,
    data: bytes,
    annotations: Mapping[str, str] | None = None,
) -> str:
    """Push `data` as a referrer of `subject`; return the artifact manifest's digest.

    Order matters for "nothing half-written": blobs, then the artifact manifest (by digest, so no tag moves),
    then the fallback index. If the last step fails the artifact exists but is not yet listed; re-running
    lists it (the push is idempotent: same bytes, same digests).
    """
    layer_digest = client.push_blob(repository, data)
    client.push_blob(repository, EMPTY_CONFIG)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": EMPTY_CONFIG_TYPE, "digest": sha256_digest(EMPTY_CONFIG), "size": len(EMPTY_CONFIG)},
        "layers": [{"mediaType": artifact_type, "digest": layer_digest, "size": len(data)}],
        "subject": subject.descriptor(),
        "annotations": dict(annotations or {}),
    }
    body = json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode()
    digest = client.put_manifest(repository, sha256_digest(body), body, OCI_MANIFEST)
    _add_to_fallback_index(
        client,
        repository,
        subject.digest,
        {
            "mediaType": OCI_MANIFEST,
            "digest": digest,
            "size": len(body),
            "artifactType": artifact_type,
            **({"annotations": dict(annotations)} if annotations else {}),
        },
    )
    return digest


def list_referrers(
    client: RegistryClient, repository: str, subject_digest: str, artifact_type: str | None = None
) -> list[dict[str, object]]:
    """Descriptors of the artifacts referring to `subject_digest` (from the fallback tag index)."""
    try:
        index = client.get_manifest(repository, referrers_tag(subject_digest)).json()
    except RegistryError as error:
        if error.status == 404:
            return []
        raise
    manifests = index.get("manifests")
    return (
        [
            entry
            for entry in manifests
            if isinstance(entry, dict) and (artifact_type is None or entry.get("artifactType") == artifact_type)
        ]
        if isinstance(manifests, list)
        else []
    )


def _add_to_fallback_index(
    client: RegistryClient, repository: str, subject_digest: str, descriptor: dict[str, object]
) -> None:
    existing = list_referrers(client, repository, subject_digest)
    if any(entry.get("digest") == descriptor["digest"] for entry in existing):
        return
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [*existing, descriptor]}
    client.put_manifest(
        repository, referrers_tag(subject_digest), json.dumps(index, separators=(",", ":")).encode(), OCI_INDEX
    )
