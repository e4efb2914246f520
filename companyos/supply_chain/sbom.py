"""Merge the application SBOM (cyclonedx-npm) and the image SBOM (syft) into one connected CycloneDX 1.6 BOM.

Why merge rather than ship syft's output: syft reports what is in the image but, for npm packages, leaves
many components with no edge to anything (anchore/syft#5173), and a BOM whose components are not
reachable from its subject cannot answer "why is this package in my image?". cyclonedx-npm knows the
application's dependency graph but not the image. The merged graph (docs/adr/ADR-0014-sbom-strategy.md):

    image (metadata.component, type container)
    ├── the application (cyclonedx-npm's root) ── its npm graph, one component per purl
    ├── npm packages the image holds outside the application graph, each under the package whose
    │   directory encloses it (npm's bundled dependencies under npm), else under the image
    └── OS packages and binaries syft found (node, libc6, ...), with syft's own edges between them kept

Every component must be reachable from the image; `find_orphans` checks that, and `merge_sboms` refuses
to return a BOM with orphans instead of hiding them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cyclonedx.model.bom import Bom
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from companyos.contracts.errors import UserError
from companyos.supply_chain.go_json import go_marshal
from companyos.supply_chain.sbom_hashes import add_hashes, image_digest_hash, lockfile_hashes

SPEC_VERSION = "1.6"
TOOL_NAME = "companyos-sbom-merge"
_LOCATION_PROPERTY = "syft:location:0:path"
_SOURCE_PROPERTY = "paved-road:sbom:source"


class SbomError(UserError):
    """The SBOM cannot be produced or fails its checks; the message names the components at fault."""


@dataclass(frozen=True)
class GraphStats:
    components: int
    edges: int
    orphans: int


def merge_sboms(
    app: dict[str, Any],
    image: dict[str, Any] | None,
    *,
    image_repository: str | None = None,
    image_digest: str | None = None,
    lockfile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One CycloneDX document whose dependency graph reaches every component from the image (or the app); with the
    service's package-lock.json, every npm component carries its SHA-512 from the lockfile."""
    app_root = _root(app, "cyclonedx-npm")
    components: dict[str, dict[str, Any]] = {}  # canonical bom-ref -> component
    alias: dict[str, str] = {}  # any bom-ref seen -> canonical bom-ref
    by_key: dict[str, str] = {}  # purl without qualifiers -> canonical bom-ref
    edges: dict[str, set[str]] = {}

    app_root_ref = str(app_root["bom-ref"])
    app_root_key = _purl_key(app_root.get("purl"))
    alias[app_root_ref] = app_root_ref
    if app_root_key:
        by_key[app_root_key] = app_root_ref
    for component in _flatten(app.get("components", [])):
        _add(component, components, alias, by_key, source="cyclonedx-npm")
    for dependency in app.get("dependencies", []):
        _add_edges(edges, alias, dependency)

    if image is None:
        root = app_root
    else:
        if image_repository is None or image_digest is None:
            raise ValueError("merge_sboms needs image_repository and image_digest with an image SBOM")
        root = _image_root(image_repository, image_digest)
        components[app_root_ref] = {key: value for key, value in app_root.items() if key != "bom-ref"} | {
            "bom-ref": app_root_ref
        }
        edges.setdefault(root["bom-ref"], set()).add(app_root_ref)
        image_root_ref = str(_root(image, "syft")["bom-ref"])
        alias[image_root_ref] = root["bom-ref"]
        syft_components = list(_flatten(image.get("components", [])))
        for component in syft_components:
            _add(component, components, alias, by_key, source="syft")
        for dependency in image.get("dependencies", []):
            _add_edges(edges, alias, dependency)
        _place_image_components(syft_components, root["bom-ref"], alias, edges, app_root_ref)

    document = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "tools": {
                "components": [
                    *_tools(app),
                    *(_tools(image) if image else []),
                    {"type": "application", "name": TOOL_NAME, "group": "paved-road"},
                ]
            },
            "component": root,
        },
        "components": sorted(components.values(), key=lambda component: str(component["bom-ref"])),
        "dependencies": [
            {"ref": ref, "dependsOn": sorted(edges.get(ref, set()))} for ref in sorted({root["bom-ref"], *components})
        ],
    }
    if lockfile is not None:
        add_hashes(document, lockfile_hashes(lockfile))
    orphans = find_orphans(document)
    if orphans:
        raise SbomError(
            f"the merged SBOM has {len(orphans)} component(s) not reachable from "
            f"{root['bom-ref']}: {', '.join(orphans[:10])}; this is a bug in the merge rules "
            "(docs/adr/ADR-0014-sbom-strategy.md), not in the service"
        )
    return document


def read_lockfile(path: Path) -> dict[str, Any]:
    try:
        lock = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: cannot read the lockfile ({error}); the SBOM's hashes come from it") from None
    if not isinstance(lock, dict):
        raise UserError(f"{path}: not a package-lock.json (a JSON object with `packages`)")
    return lock


def render(document: dict[str, Any]) -> str:
    """Serialise through cyclonedx-python-lib (its model checks refs), validate against the 1.6 schema, and return
    the canonical (Go-marshalled) JSON text."""
    try:
        bom = Bom.from_json(document)  # type: ignore[attr-defined]
        text = JsonV1Dot6(bom).output_as_string(indent=2)
    except Exception as error:  # noqa: BLE001 - the library raises many unrelated types for a bad model
        raise SbomError(f"cyclonedx-python-lib rejected the merged SBOM: {error}") from None
    validate(text)
    # Go's json.Marshal form (sorted keys, compact) is what an SBOM attestation's predicate re-serialises to, in
    # cosign and here alike, so the file's sha256 is the digest the attestation binds (attestation.sbom_digest_of).
    return go_marshal(json.loads(text)).decode("utf-8")


def validate(text: str) -> None:
    """Raise SbomError unless `text` is valid CycloneDX 1.6 JSON (strict schema, offline)."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise SbomError(f"the SBOM is not valid CycloneDX {SPEC_VERSION}: {error}")


def find_orphans(document: dict[str, Any]) -> list[str]:
    """bom-refs of components that `dependencies` does not reach from metadata.component."""
    root = document.get("metadata", {}).get("component", {}).get("bom-ref")
    graph = {entry.get("ref"): entry.get("dependsOn", []) for entry in document.get("dependencies", [])}
    reachable: set[str] = set()
    pending = [root] if root else []
    while pending:
        ref = pending.pop()
        if ref in reachable:
            continue
        reachable.add(ref)
        pending.extend(graph.get(ref, []))
    return sorted(
        str(component.get("bom-ref"))
        for component in _flatten(document.get("components", []))
        if component.get("bom-ref") not in reachable
    )


def graph_stats(document: dict[str, Any]) -> GraphStats:
    components = list(_flatten(document.get("components", [])))
    edges = sum(len(entry.get("dependsOn", [])) for entry in document.get("dependencies", []))
    return GraphStats(len(components), edges, len(find_orphans(document)))


def _root(document: dict[str, Any], tool: str) -> dict[str, Any]:
    component = document.get("metadata", {}).get("component")
    if not isinstance(component, dict) or not component.get("bom-ref"):
        raise SbomError(f"the {tool} SBOM has no metadata.component with a bom-ref; nothing to hang the graph on")
    return component


def _image_root(repository: str, digest: str) -> dict[str, Any]:
    name = repository.rpartition("/")[2]
    # purl-spec types/oci: pkg:oci/<name>@<url-encoded digest>?repository_url=<registry/path/name>
    purl = f"pkg:oci/{name}@{quote(digest, safe='')}?repository_url={quote(repository, safe='/')}"
    root = {"type": "container", "bom-ref": purl, "name": repository, "version": digest, "purl": purl}
    hashes = image_digest_hash(digest)
    return root | {"hashes": hashes} if hashes else root


def _flatten(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for component in components:
        yield component
        yield from _flatten(component.get("components", []))


def _purl_key(purl: object) -> str | None:
    """The package identity of a purl: type, namespace, name, version; qualifiers and subpath dropped."""
    if not isinstance(purl, str) or not purl:
        return None
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    return PackageURL(
        type=parsed.type, namespace=parsed.namespace, name=parsed.name, version=parsed.version
    ).to_string()


def _add(
    component: dict[str, Any],
    components: dict[str, dict[str, Any]],
    alias: dict[str, str],
    by_key: dict[str, str],
    *,
    source: str,
) -> None:
    ref = str(component.get("bom-ref"))
    key = _purl_key(component.get("purl"))
    if key and key in by_key:
        alias[ref] = by_key[key]  # the same package seen at another path or by the other tool
        return
    alias[ref] = ref
    if key:
        by_key[key] = ref
    flat = {name: value for name, value in component.items() if name != "components"}
    flat["properties"] = [*flat.get("properties", []), {"name": _SOURCE_PROPERTY, "value": source}]
    components[ref] = flat


def _add_edges(edges: dict[str, set[str]], alias: dict[str, str], dependency: dict[str, Any]) -> None:
    ref = alias.get(str(dependency.get("ref")))
    if ref is None:
        return
    targets = edges.setdefault(ref, set())
    for target in dependency.get("dependsOn", []):
        resolved = alias.get(str(target))
        if resolved is not None and resolved != ref:
            targets.add(resolved)


def _place_image_components(
    syft_components: list[dict[str, Any]],
    image_ref: str,
    alias: dict[str, str],
    edges: dict[str, set[str]],
    app_root_ref: str,
) -> None:
    """Hang every syft component nothing points at yet under its enclosing npm package, else the image."""
    package_dirs: dict[str, str] = {}  # directory of a package.json -> canonical bom-ref
    for component in syft_components:
        path = _location(component)
        if path and path.endswith("/package.json"):
            package_dirs.setdefault(path.rsplit("/", 1)[0], alias[str(component["bom-ref"])])
    pointed_at = {target for targets in edges.values() for target in targets}
    for component in syft_components:
        ref = alias[str(component["bom-ref"])]
        if ref in pointed_at or ref == app_root_ref:
            continue
        parent = _enclosing_package(_location(component), package_dirs)
        edges.setdefault(parent if parent not in (None, ref) else image_ref, set()).add(ref)
        pointed_at.add(ref)


def _enclosing_package(path: str | None, package_dirs: dict[str, str]) -> str | None:
    # /usr/lib/node_modules/npm/node_modules/semver/package.json -> the package at /usr/lib/node_modules/npm.
    if not path or "/node_modules/" not in path:
        return None
    return package_dirs.get(path.rsplit("/node_modules/", 1)[0])


def _location(component: dict[str, Any]) -> str | None:
    for prop in component.get("properties", []):
        if prop.get("name") == _LOCATION_PROPERTY:
            return str(prop.get("value"))
    return None


def _tools(document: dict[str, Any]) -> list[dict[str, Any]]:
    tools = document.get("metadata", {}).get("tools", {})
    return [dict(tool) for tool in tools.get("components", [])] if isinstance(tools, dict) else []
