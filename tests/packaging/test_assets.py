"""companyos.support.assets: one copy of each asset in the repository, found in the checkout, packaged without
build output, and listed in the sdist's MANIFEST.in too."""

from __future__ import annotations

from pathlib import Path

from companyos.policy_gate.preview import DEFAULT_PACK, default_pack_dir
from companyos.support.assets import (
    ASSETS,
    CHECKOUT_ROOT,
    PACKAGED,
    POLICY_PACK,
    TEMPLATE,
    in_checkout,
    locate,
    package_assets,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_from_a_checkout_every_asset_is_the_checkouts_own_file() -> None:
    assert in_checkout() and CHECKOUT_ROOT == REPO_ROOT
    for asset in ASSETS:
        assert locate(asset) == REPO_ROOT / asset.path and locate(asset).exists(), asset.path


def test_packaging_leaves_out_virtualenvs_dependencies_build_output_and_bytecode(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for asset in ASSETS:
        (root / asset.path).parent.mkdir(parents=True, exist_ok=True)
        if asset.path.endswith(".md"):
            (root / asset.path).write_text("# page\n")
        else:
            (root / asset.path / "kept").mkdir(parents=True)
            (root / asset.path / "kept" / "file.txt").write_text("kept\n")
            (root / asset.path / "__pycache__").mkdir()
            (root / asset.path / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"")
            for excluded in asset.excluded:
                (root / asset.path / excluded).mkdir()
                (root / asset.path / excluded / "file.txt").write_text("build output\n")
    package = tmp_path / "build" / "companyos"

    written = package_assets(root, package)

    names = sorted(path.relative_to(package / PACKAGED).as_posix() for path in written)
    expected = sorted(asset.path if asset.path.endswith(".md") else f"{asset.path}/kept/file.txt" for asset in ASSETS)
    assert names == expected
    assert {"node_modules", "dist", ".git"} <= set(TEMPLATE.excluded)


def test_the_sdist_manifest_carries_every_asset() -> None:
    manifest = [line.split() for line in (REPO_ROOT / "MANIFEST.in").read_text().splitlines() if line.strip()]
    carried = {words[1] for words in manifest if words[0] in {"graft", "include"}}
    assert carried == {asset.path for asset in ASSETS}


def test_the_default_policy_pack_is_the_projects_own_else_the_one_installed_with_companyos(tmp_path: Path) -> None:
    assert default_pack_dir(tmp_path) == locate(POLICY_PACK)
    (tmp_path / DEFAULT_PACK).mkdir(parents=True)
    assert default_pack_dir(tmp_path) == tmp_path / DEFAULT_PACK
