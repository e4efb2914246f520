"""The attack a signature must stop: after an image was signed, someone re-points its tag to another image.

Used by `companyos release --tamper-tag` (the demonstration) and the end-to-end test; never by a real release."""

from __future__ import annotations

import json

from companyos.release.runner import StageContext
from companyos.supply_chain.oci import OCI_MANIFEST, RegistryClient


def push_other_image(client: RegistryClient, repository: str, tag: str, content: bytes) -> str:
    """A tiny but well-formed OCI image (one layer holding `content`) under `repository:tag`; its digest."""
    layer = client.push_blob(repository, content)
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer]}, "config": {}}
    ).encode()
    config_digest = client.push_blob(repository, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": len(content)}],
        }
    ).encode()
    return client.put_manifest(repository, tag, manifest, OCI_MANIFEST)


def repoint_tag(ctx: StageContext) -> None:
    pushed = ctx.state.pushed_image()
    registry, _, repository = pushed.repository.partition("/")
    digest = push_other_image(
        RegistryClient(registry), repository, ctx.version, f"tampered {ctx.service} {ctx.version}".encode()
    )
    ctx.console.print(f"[yellow]! tamper[/] re-pointed {pushed.tag_ref} to {digest} after signing")
