"""Component hashes for the merged SBOM: each npm package's SHA-512 from the lockfile's `integrity` (what npm
verified the tarball against, as cdxgen records it) and the image's manifest digest on the image component. A
consumer can then match a component to the exact bytes, not just a name and version."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from packageurl import PackageURL

# Subresource Integrity algorithm -> CycloneDX hash alg (cyclonedx spec: hash-alg enum).
SRI_ALGORITHMS = {"sha512": "SHA-512", "sha384": "SHA-384", "sha256": "SHA-256", "sha1": "SHA-1"}


def _sri_hashes(integrity: str) -> list[dict[str, str]]:
    """`sha512-<base64> [sha1-<base64>]` -> CycloneDX hashes (hex); unknown or malformed entries are left out."""
    hashes = []
    for token in integrity.split():
        algorithm, _, encoded = token.partition("-")
        alg = SRI_ALGORITHMS.get(algorithm)
        if alg is None:
            continue
        try:
            hashes.append({"alg": alg, "content": base64.b64decode(encoded, validate=True).hex()})
        except (binascii.Error, ValueError):
            continue
    return hashes


def _package_name(path: str) -> str:
    """`node_modules/a/node_modules/@s/b` -> `@s/b` (the lockfile keys packages by install path)."""
    return path.rpartition("node_modules/")[2]


def lockfile_hashes(lock: Mapping[str, Any]) -> dict[str, list[dict[str, str]]]:
    """npm purl (no qualifiers) -> hashes, from a package-lock.json v2/v3 `packages` map."""
    found: dict[str, list[dict[str, str]]] = {}
    packages = lock.get("packages")
    if not isinstance(packages, Mapping):
        return found
    for path, entry in packages.items():
        if not path or not isinstance(entry, Mapping) or entry.get("link"):
            continue  # the root project, or a workspace link: no tarball, no integrity
        integrity, version = entry.get("integrity"), entry.get("version")
        if not isinstance(integrity, str) or not isinstance(version, str):
            continue
        name = str(entry.get("name") or _package_name(path))
        namespace, _, short = name.rpartition("/")
        purl = PackageURL(type="npm", namespace=namespace or None, name=short, version=version).to_string()
        hashes = _sri_hashes(integrity)
        if hashes:
            found.setdefault(purl, hashes)
    return found


def add_hashes(document: dict[str, Any], by_purl: Mapping[str, list[dict[str, str]]]) -> int:
    """Give each component without hashes the ones its purl has; the number of components given hashes."""
    added = 0
    for component in document.get("components", []):
        if component.get("hashes") or not isinstance(component.get("purl"), str):
            continue
        try:
            parsed = PackageURL.from_string(component["purl"])
        except ValueError:
            continue
        key = PackageURL(type=parsed.type, namespace=parsed.namespace, name=parsed.name, version=parsed.version)
        hashes = by_purl.get(key.to_string())
        if hashes:
            component["hashes"] = [dict(h) for h in hashes]
            added += 1
    return added


def image_digest_hash(digest: str) -> list[dict[str, str]]:
    """The image component's hash: its manifest digest (`sha256:<hex>`), what a registry and cosign name it by."""
    algorithm, _, hexdigest = digest.partition(":")
    return [{"alg": "SHA-256", "content": hexdigest}] if algorithm == "sha256" and len(hexdigest) == 64 else []
