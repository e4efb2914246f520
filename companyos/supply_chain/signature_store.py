"""cosign signatures in a registry: the pusher for `sign_image` and the fetcher for `verify_image`.

Layout (sigstore/cosign specs/SIGNATURE_SPEC.md, pkg/oci/static): an OCI image manifest tagged
`sha256-<hex>.sig` in the image's repository, one layer per signature, each layer the simple-signing
payload with media type application/vnd.dev.cosign.simplesigning.v1+json and the base64 signature in
the `dev.cosignproject.cosign/signature` layer annotation. `cosign verify --key` reads exactly this.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from companyos.contracts.errors import UserError
from companyos.supply_chain.cosign import (
    SIGNATURE_ANNOTATION,
    AttestationLayer,
    SignatureLayer,
    attestation_tag,
    signature_tag,
)
from companyos.supply_chain.dsse import DSSE_MEDIA_TYPE
from companyos.supply_chain.oci import (
    OCI_MANIFEST,
    Manifest,
    RegistryClient,
    RegistryError,
)
from companyos.supply_chain.reference import parse_image_reference
from companyos.supply_chain.simple_signing import SIMPLE_SIGNING_MEDIA_TYPE
from companyos.supply_chain.verification import verify

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
# A registry signature manifest with more layers than this is hostile or broken, not a real history.
MAX_SIGNATURES = 64
MAX_PAYLOAD_BYTES = 1 << 20
# An SBOM attestation carries the whole SBOM; 16 MiB holds tens of thousands of components.
MAX_ENVELOPE_BYTES = 16 << 20


@dataclass(frozen=True)
class RepositoryAddress:
    registry: str
    repository: str  # path inside the registry, e.g. team/app

    @property
    def full(self) -> str:
        return f"{self.registry}/{self.repository}"


def split_repository(normalised: str) -> RepositoryAddress:
    registry, _, path = normalised.partition("/")
    return RepositoryAddress(registry, path)


def client_for(registry: str) -> RegistryClient:
    return RegistryClient(registry)


def registry_pusher(
    client_factory: Callable[[str], RegistryClient] = client_for, *, signer_public_pem: bytes | None = None
) -> Callable[[SignatureLayer], None]:
    """A `push` for sign_image: add the signature layer to `<repo>:sha256-<hex>.sig`, keeping earlier ones.

    ECDSA signatures are randomised, so re-signing makes new bytes; with `signer_public_pem`, an existing
    signature by the same key over the same payload counts as a duplicate and is not appended (cosign's
    dupe detector does the same).
    """

    def push(layer: SignatureLayer) -> None:
        address = split_repository(layer.repository)
        client = client_factory(address.registry)
        try:
            layers = _existing_layers(client, address.repository, layer.tag)
            new = layer.descriptor()
            if not any(_same_signature(existing, new, layer, signer_public_pem) for existing in layers):
                layers.append(new)
            _write_manifest(client, address.repository, layer.tag, layer.payload, layers)
        except RegistryError as error:
            raise UserError(f"cannot push the signature to {address.full}:{layer.tag}: {error}") from None

    return push


def push_attestation(layer: AttestationLayer, client_factory: Callable[[str], RegistryClient] = client_for) -> None:
    """Add the attestation layer to `<repo>:sha256-<hex>.att`, keeping earlier ones (as `cosign attest` does)."""
    address = split_repository(layer.repository)
    client = client_factory(address.registry)
    try:
        layers = _existing_layers(client, address.repository, layer.tag)
        new = layer.descriptor()
        if not any(existing.get("digest") == new["digest"] for existing in layers):
            layers.append(new)
        _write_manifest(client, address.repository, layer.tag, layer.envelope, layers)
    except RegistryError as error:
        raise UserError(f"cannot push the attestation to {address.full}:{layer.tag}: {error}") from None


def fetch_attestations(
    reference: str, client_factory: Callable[[str], RegistryClient] = client_for
) -> tuple[str, list[bytes]]:
    """(digest `reference` resolves to, the DSSE envelope bytes stored under its `.att` tag)."""
    manifest, layers = _layers_beside(
        reference, client_factory, attestation_tag, DSSE_MEDIA_TYPE, MAX_ENVELOPE_BYTES, "the attestations of"
    )
    return manifest.digest, [blob for _, blob in layers]


def registry_fetcher(
    client_factory: Callable[[str], RegistryClient] = client_for,
) -> Callable[[str], tuple[str, bytes, list[tuple[bytes, str]]]]:
    """A `fetch` for verify_image: resolve the reference, read its manifest and every cosign signature."""

    def fetch(reference: str) -> tuple[str, bytes, list[tuple[bytes, str]]]:
        manifest, layers = _layers_beside(
            reference, client_factory, signature_tag, SIMPLE_SIGNING_MEDIA_TYPE, MAX_PAYLOAD_BYTES, "the signatures of"
        )
        signatures = []
        for descriptor, payload in layers:
            annotations = descriptor.get("annotations")
            signature = annotations.get(SIGNATURE_ANNOTATION, "") if isinstance(annotations, dict) else ""
            signatures.append((payload, signature if isinstance(signature, str) else ""))
        return manifest.digest, manifest.data, signatures

    return fetch


def _layers_beside(
    reference: str,
    client_factory: Callable[[str], RegistryClient],
    tag_for: Callable[[str], str],
    media_type: str,
    max_bytes: int,
    reading: str,
) -> tuple[Manifest, list[tuple[dict[str, object], bytes]]]:
    """Resolve `reference`, then read the layers of `media_type` (at most `max_bytes` each) that cosign keeps beside
    it under `tag_for(digest)`: (manifest, [(descriptor, blob), ...]). A missing image is exit 1."""
    parsed = parse_image_reference(reference)
    address = split_repository(parsed.repository)
    client = client_factory(address.registry)
    try:
        manifest = client.get_manifest(address.repository, parsed.digest or parsed.tag or "latest")
        layers = []
        for descriptor in _existing_layers(client, address.repository, tag_for(manifest.digest)):
            size = descriptor.get("size")
            if descriptor.get("mediaType") != media_type or not isinstance(size, int) or size > max_bytes:
                continue
            layers.append((descriptor, client.get_blob(address.repository, str(descriptor.get("digest")))))
    except RegistryError as error:
        if error.status == 404:
            raise UserError(
                f"{reference} is not in the registry ({error}); check the repository and tag", exit_code=1
            ) from None
        raise UserError(f"cannot read {reading} {reference} from the registry: {error}") from None
    return manifest, layers


def _same_signature(
    existing: dict[str, object], new: dict[str, object], layer: SignatureLayer, signer_public_pem: bytes | None
) -> bool:
    if existing.get("digest") != new["digest"]:
        return False
    if existing.get("annotations") == new["annotations"]:
        return True
    annotations = existing.get("annotations")
    old_signature = annotations.get(SIGNATURE_ANNOTATION) if isinstance(annotations, dict) else None
    if signer_public_pem is None or not isinstance(old_signature, str):
        return False
    # Same payload bytes (same digest), so the old signature is checked against the new layer's payload.
    claims_digest = json.loads(layer.payload)["critical"]["image"]["docker-manifest-digest"]
    return verify(layer.payload, old_signature, [signer_public_pem], expected_digest=claims_digest).verified


def _existing_layers(client: RegistryClient, repository: str, tag: str) -> list[dict[str, object]]:
    try:
        manifest: Manifest = client.get_manifest(repository, tag)
    except RegistryError as error:
        if error.status == 404:
            return []
        raise
    layers = manifest.json().get("layers")
    if not isinstance(layers, list):
        return []
    return [layer for layer in layers if isinstance(layer, dict)][:MAX_SIGNATURES]


def _write_manifest(
    client: RegistryClient, repository: str, tag: str, blob: bytes, layers: list[dict[str, object]]
) -> None:
    # Blobs first, manifest last: a failure midway leaves unreferenced blobs, never a manifest pointing at
    # missing ones.
    client.push_blob(repository, blob)
    config = _config(layers)
    config_digest = client.push_blob(repository, config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": config_digest},
        "layers": layers,
    }
    client.put_manifest(repository, tag, json.dumps(manifest, separators=(",", ":")).encode(), OCI_MANIFEST)


def _config(layers: list[dict[str, object]]) -> bytes:
    # go-containerregistry's empty image config with one diff_id per layer, as cosign writes it.
    config = {
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"}],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": [layer["digest"] for layer in layers]},
        "config": {},
    }
    return json.dumps(config, separators=(",", ":")).encode()
