"""`companyos registry start|stop|status`: loopback only, PID file, clear errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from .conftest import free_port, require_tool

COMPANYOS = Path(sys.executable).parent / "companyos"


def companyos(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(COMPANYOS), *args], capture_output=True, text=True, timeout=60, check=False, env=env)


def test_start_status_stop_runs_the_registry_on_loopback_and_status_exits_1_once_stopped(tmp_path: Path) -> None:
    require_tool("docker-registry", "docker-registry")
    port, data = free_port(), tmp_path / "registry"
    try:
        started = companyos("registry", "start", "--port", str(port), "--data-dir", str(data))
        assert started.returncode == 0, started.stderr
        assert f"127.0.0.1:{port}" in started.stdout
        assert "127.0.0.1" in (data / "config.yml").read_text()
        assert companyos("registry", "status", "--data-dir", str(data)).returncode == 0
    finally:
        stopped = companyos("registry", "stop", "--data-dir", str(data))
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    assert not (data / "registry.pid").exists()
    status = companyos("registry", "status", "--data-dir", str(data))
    assert status.returncode == 1 and "no registry" in status.stdout


def test_a_taken_port_is_refused_with_the_option_to_change(tmp_path: Path) -> None:
    require_tool("docker-registry", "docker-registry")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = companyos("registry", "start", "--port", str(port), "--data-dir", str(tmp_path / "registry"))

    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use; pick another with --port" in result.stderr
    assert not (tmp_path / "registry" / "registry.pid").exists()


def test_a_missing_registry_binary_names_the_apt_package(tmp_path: Path) -> None:
    result = companyos(
        "registry",
        "start",
        "--port",
        str(free_port()),
        "--data-dir",
        str(tmp_path / "registry"),
        env={**os.environ, "PATH": str(tmp_path)},
    )

    assert result.returncode == 2
    assert "apt-get install -y docker-registry" in result.stderr
