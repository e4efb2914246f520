"""The merged SBOM: one graph from the image down to every component, valid CycloneDX 1.6."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from companyos.supply_chain.sbom import (
    SbomError,
    find_orphans,
    graph_stats,
    merge_sboms,
    render,
)

DIGEST = "sha256:" + "ab" * 32
REPOSITORY = "127.0.0.1:5000/orders-api"


def npm(name: str, version: str, ref: str | None = None, path: str | None = None) -> dict[str, Any]:
    component: dict[str, Any] = {
        "type": "library",
        "name": name,
        "version": version,
        "bom-ref": ref or f"orders-api@0.1.0|{name}@{version}",
        "purl": f"pkg:npm/{name}@{version}",
    }
    if path:
        component["properties"] = [{"name": "syft:location:0:path", "value": path}]
    return component


def app_sbom() -> dict[str, Any]:
    """cyclonedx-npm's shape: path-based bom-refs, the same package twice when npm nests a copy."""
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "component": {
                "type": "application",
                "name": "orders-api",
                "version": "0.1.0",
                "bom-ref": "orders-api@0.1.0",
                "purl": "pkg:npm/orders-api@0.1.0",
            }
        },
        "components": [
            npm("express", "5.3.0"),
            npm("debug", "4.4.1"),
            npm("debug", "4.4.1", ref="orders-api@0.1.0|express@5.3.0|debug@4.4.1"),
            npm("ms", "2.1.3"),
        ],
        "dependencies": [
            {
                "ref": "orders-api@0.1.0",
                "dependsOn": ["orders-api@0.1.0|express@5.3.0", "orders-api@0.1.0|debug@4.4.1"],
            },
            {"ref": "orders-api@0.1.0|express@5.3.0", "dependsOn": ["orders-api@0.1.0|express@5.3.0|debug@4.4.1"]},
            {"ref": "orders-api@0.1.0|express@5.3.0|debug@4.4.1", "dependsOn": ["orders-api@0.1.0|ms@2.1.3"]},
            {"ref": "orders-api@0.1.0|debug@4.4.1", "dependsOn": ["orders-api@0.1.0|ms@2.1.3"]},
            {"ref": "orders-api@0.1.0|ms@2.1.3"},
        ],
    }


def image_sbom() -> dict[str, Any]:
    """syft's shape: package-id bom-refs, npm packages with install paths, no npm edges, deb edges kept."""
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "container", "name": REPOSITORY, "version": DIGEST, "bom-ref": "img"}},
        "components": [
            npm("orders-api", "0.1.0", ref="s-app", path="/app/package.json"),
            npm("express", "5.3.0", ref="s-express", path="/app/node_modules/express/package.json"),
            npm("ms", "2.1.3", ref="s-ms", path="/app/node_modules/ms/package.json"),
            npm("npm", "11.19.1", ref="s-npm", path="/usr/lib/node_modules/npm/package.json"),
            npm("semver", "7.7.2", ref="s-semver", path="/usr/lib/node_modules/npm/node_modules/semver/package.json"),
            npm(
                "lru-cache",
                "10.4.3",
                ref="s-lru",
                path="/usr/lib/node_modules/npm/node_modules/semver/node_modules/lru-cache/package.json",
            ),
            {
                "type": "application",
                "name": "node",
                "version": "20.20.2",
                "bom-ref": "s-node",
                "purl": "pkg:generic/node@20.20.2",
            },
            {
                "type": "library",
                "name": "libc6",
                "version": "2.36-9+deb12u14",
                "bom-ref": "s-libc6",
                "purl": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12",
            },
            {
                "type": "library",
                "name": "dash",
                "version": "0.5.12-2",
                "bom-ref": "s-dash",
                "purl": "pkg:deb/debian/dash@0.5.12-2?arch=amd64&distro=debian-12",
            },
        ],
        "dependencies": [{"ref": "s-dash", "dependsOn": ["s-libc6"]}],
    }


def merged() -> dict[str, Any]:
    return merge_sboms(app_sbom(), image_sbom(), image_repository=REPOSITORY, image_digest=DIGEST)


def edges_of(document: dict[str, Any], ref: str) -> list[str]:
    return next(entry["dependsOn"] for entry in document["dependencies"] if entry["ref"] == ref)


def ref_of(document: dict[str, Any], purl_prefix: str) -> str:
    matches = [
        component["bom-ref"]
        for component in document["components"]
        if component.get("purl", "").startswith(purl_prefix)
    ]
    assert len(matches) == 1, f"{purl_prefix}: {matches}"
    return matches[0]


def test_syft_alone_leaves_every_npm_component_orphaned_and_the_merge_leaves_none() -> None:
    assert graph_stats(image_sbom()).orphans == 9
    assert find_orphans(merged()) == []


def test_the_merged_sbom_is_valid_cyclonedx_1_6_and_keeps_its_graph_through_the_library() -> None:
    text = render(merged())
    document = json.loads(text)

    assert document["specVersion"] == "1.6"
    assert graph_stats(document).orphans == 0
    assert graph_stats(document).components == graph_stats(merged()).components


def test_a_package_both_tools_found_or_npm_nested_twice_appears_once_by_purl() -> None:
    document = merged()

    purls = [component["purl"].split("?")[0] for component in document["components"]]
    assert purls.count("pkg:npm/debug@4.4.1") == 1
    assert purls.count("pkg:npm/express@5.3.0") == 1
    assert purls.count("pkg:npm/orders-api@0.1.0") == 1
    assert len(purls) == len(set(purls))


def test_the_image_holds_the_application_the_os_packages_and_binaries() -> None:
    document = merged()
    root = document["metadata"]["component"]

    assert root["type"] == "container" and root["version"] == DIGEST
    assert set(edges_of(document, root["bom-ref"])) == {"orders-api@0.1.0", "s-node", "s-dash", "s-npm"}
    assert edges_of(document, "s-dash") == ["s-libc6"]  # syft's deb edge kept, so libc6 is not re-hung


def test_npm_s_bundled_packages_hang_under_the_package_whose_directory_encloses_them() -> None:
    document = merged()

    assert edges_of(document, "s-npm") == ["s-semver"]
    assert edges_of(document, "s-semver") == ["s-lru"]


def test_the_application_graph_comes_from_cyclonedx_npm_with_duplicates_folded() -> None:
    document = merged()

    assert set(edges_of(document, "orders-api@0.1.0")) == {
        "orders-api@0.1.0|express@5.3.0",
        "orders-api@0.1.0|debug@4.4.1",
    }
    assert edges_of(document, "orders-api@0.1.0|express@5.3.0") == ["orders-api@0.1.0|debug@4.4.1"]


def test_a_removed_dependency_edge_is_caught_by_the_orphan_detector() -> None:
    document = copy.deepcopy(merged())
    for entry in document["dependencies"]:
        entry["dependsOn"] = [ref for ref in entry["dependsOn"] if ref != "orders-api@0.1.0|ms@2.1.3"]

    assert find_orphans(document) == ["orders-api@0.1.0|ms@2.1.3"]


def test_an_application_sbom_with_a_dangling_component_is_refused_not_patched_over() -> None:
    app = app_sbom()
    app["components"].append(npm("left-pad", "1.3.0"))

    with pytest.raises(SbomError, match=r"1 component\(s\) not reachable.*left-pad@1.3.0"):
        merge_sboms(app, image_sbom(), image_repository=REPOSITORY, image_digest=DIGEST)


def test_an_application_only_sbom_is_rooted_at_the_application() -> None:
    document = merge_sboms(app_sbom(), None)

    assert document["metadata"]["component"]["bom-ref"] == "orders-api@0.1.0"
    assert find_orphans(document) == []
    assert len(document["components"]) == 3


def test_a_schema_violation_fails_the_sbom_step() -> None:
    document = merged()
    document["components"][0]["type"] = "not-a-component-type"

    with pytest.raises(SbomError):
        render(document)
