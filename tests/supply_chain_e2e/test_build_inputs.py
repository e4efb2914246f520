"""What `companyos build` refuses before running buildah, and what the local base image is made of."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from companyos.contracts.errors import UserError
from companyos.supply_chain.base_image import stage_rootfs
from companyos.supply_chain.build import build_service


def service_dir(tmp_path: Path, name: str = "orders-api", dockerfile: bool = True) -> Path:
    directory = tmp_path / "service"
    directory.mkdir()
    (directory / "package.json").write_text(json.dumps({"name": name, "version": "0.1.0"}))
    if dockerfile:
        (directory / "Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n")
    return directory


@pytest.mark.parametrize(
    ("setup", "kwargs", "message"),
    [
        ({"dockerfile": False}, {}, "Dockerfile does not exist"),
        ({"name": "Orders_API"}, {}, "`name` must be a lowercase image name"),
        ({}, {"base_image": "node:20-bookworm-slim"}, "is not pinned by digest"),
        ({}, {"tag": "bad tag!"}, "is not a valid image tag"),
    ],
)
def test_the_build_refuses_inputs_it_cannot_build_reproducibly(
    tmp_path: Path, setup: dict[str, object], kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        build_service(
            service_dir(tmp_path, **setup),
            "registry.example.com",
            tmp_path / "work",  # type: ignore[arg-type]
            **kwargs,
        )


@pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("dpkg-query") is None,
    reason="needs node (apt-get install -y nodejs) and dpkg on a Debian machine",
)
def test_the_local_base_holds_node_npm_a_shell_and_the_debian_packages_they_came_from(tmp_path: Path) -> None:
    rootfs = tmp_path / "rootfs"

    packages = stage_rootfs(rootfs, Path(shutil.which("node") or "node"))

    for path in ("usr/bin/node", "bin/sh", "usr/bin/env", "usr/lib/node_modules/npm/package.json"):
        assert (rootfs / path).is_file(), path
    assert os.readlink(rootfs / "usr/bin/npm") == "../lib/node_modules/npm/bin/npm-cli.js"
    assert {"libc6", "dash", "coreutils"} <= packages
    status = (rootfs / "var/lib/dpkg/status").read_text()
    assert status.count("Package: ") == len(packages)
    assert "Package: libc6\n" in status
    assert (rootfs / "tmp").stat().st_mode & 0o7777 == 0o1777
    assert "node:x:1000:1000:" in (rootfs / "etc/passwd").read_text()
