"""A small but real OCI image of a service, pushed with the product's own registry client.

The registry-down tests need an image in a registry for the SBOM, sign and verify stages to work on, not a
buildah build (minutes under vfs; `tests/release` builds one for real). This image is a valid OCI image
whose one layer holds the service's package.json and package-lock.json, so syft catalogues real npm
packages from it.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

from companyos.supply_chain.oci import OCI_MANIFEST, RegistryClient, sha256_digest

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def _layer(service_dir: Path, marker: str) -> bytes:
    """An uncompressed tar of /app/{package.json,package-lock.json,MARKER}; `marker` makes each image unique."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        files = {name: (service_dir / name).read_bytes() for name in ("package.json", "package-lock.json")}
        files["MARKER"] = marker.encode()
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"app/{name}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def push_small_image(registry: str, repository: str, tag: str, service_dir: Path, marker: str) -> str:
    """Push the image to `registry`/`repository`:`tag`; return its manifest digest."""
    client = RegistryClient(registry)
    tar = _layer(service_dir, marker)
    layer = gzip.compress(tar, mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"WorkingDir": "/app", "Cmd": ["node", "dist/server.js"]},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(tar)]},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": client.push_blob(repository, config), "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER, "digest": client.push_blob(repository, layer), "size": len(layer)}],
        }
    ).encode()
    return client.put_manifest(repository, tag, manifest, OCI_MANIFEST)
