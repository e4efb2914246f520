"""Fixtures for the supply-chain end-to-end tests: a real registry on a free loopback port, keys, images.

Real tools (docker-registry, buildah) are required; CI installs them (`apt-get install -y docker-registry
buildah`). Only when one is truly missing do the tests that need it skip, saying which package to install.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from companyos.release.tamper import push_other_image
from companyos.supply_chain.keys import generate_key_pair, load_private_key
from companyos.supply_chain.oci import RegistryClient
from companyos.supply_chain.registry import start_registry, stop_registry

PASSWORD = b"e2e password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_tool(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"`{tool}` is not installed; install it with `apt-get install -y {package}` to run this test")


@dataclass(frozen=True)
class Registry:
    address: str
    data_dir: Path

    @property
    def client(self) -> RegistryClient:
        return RegistryClient(self.address)


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    require_tool("docker-registry", "docker-registry")
    data_dir = tmp_path_factory.mktemp("registry")
    status = start_registry(data_dir, free_port())
    try:
        assert status.address is not None
        yield Registry(status.address, data_dir)
    finally:
        stop_registry(data_dir)


@dataclass(frozen=True)
class Keys:
    private_pem: bytes
    public_pem: bytes

    @property
    def private_key(self):  # type: ignore[no-untyped-def]
        return load_private_key(self.private_pem, PASSWORD)


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(*generate_key_pair(PASSWORD))


@pytest.fixture(scope="session")
def other_keys() -> Keys:
    return Keys(*generate_key_pair(PASSWORD))


def push_synthetic_image(client: RegistryClient, repository: str, tag: str, content: bytes) -> str:
    """A tiny but well-formed OCI image (one layer holding `content`); returns its manifest digest."""
    return push_other_image(client, repository, tag, content)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work_dir = tmp_path / "work"
    monkeypatch.setenv("COMPANYOS_WORK_DIR", str(work_dir))
    return work_dir


def cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}
