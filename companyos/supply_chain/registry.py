"""A local OCI registry for builds and tests: Debian's distribution registry (`docker-registry`) on loopback.

The registry is a plain child process with a PID file and a config file in its data directory; nothing
system-wide (Debian's own /etc/docker/registry config and service stay untouched).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.support.files import atomic_write

REGISTRY_BINARY = "docker-registry"
INSTALL_HINT = "install it with `apt-get install -y docker-registry` (Debian 12 ships distribution 2.8)"
DEFAULT_PORT = 5000
DEFAULT_DATA_DIR = Path(".work") / "registry"
HOST = "127.0.0.1"
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0

# distribution's configuration reference (docs/configuration.md): filesystem storage, deletes allowed so
# tests can clean up, no auth (loopback only), and the health check off because nothing polls it.
_CONFIG = """version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: {host}:{port}
"""


@dataclass(frozen=True)
class RegistryPaths:
    data_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "registry.pid"

    @property
    def port_file(self) -> Path:
        return self.data_dir / "registry.port"

    @property
    def config_file(self) -> Path:
        return self.data_dir / "config.yml"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "registry.log"

    @property
    def storage(self) -> Path:
        return self.data_dir / "storage"


@dataclass(frozen=True)
class RegistryStatus:
    running: bool
    pid: int | None
    address: str | None
    detail: str


def registry_binary() -> str:
    """Path of docker-registry; UserError with the apt command when it is missing."""
    found = shutil.which(REGISTRY_BINARY)
    if found is None:
        raise UserError(f"`{REGISTRY_BINARY}` is not on PATH; {INSTALL_HINT}")
    return found


def start_registry(data_dir: Path = DEFAULT_DATA_DIR, port: int = DEFAULT_PORT) -> RegistryStatus:
    """Start the registry on 127.0.0.1:`port` and wait until it answers /v2/; idempotent when already up."""
    paths = RegistryPaths(data_dir.resolve())
    current = registry_status(data_dir)
    if current.running:
        if current.address == f"{HOST}:{port}":
            return current
        raise UserError(
            f"a registry from {data_dir} already runs at {current.address} (pid {current.pid}); "
            f"stop it first with `companyos registry stop --data-dir {data_dir}`"
        )
    binary = registry_binary()
    _ensure_port_free(port)
    paths.storage.mkdir(parents=True, exist_ok=True)
    atomic_write(paths.config_file, _CONFIG.format(storage=paths.storage, host=HOST, port=port).encode())
    with open(paths.log_file, "ab") as log:
        # start_new_session: the registry outlives this CLI call and ignores the terminal's Ctrl-C.
        process = subprocess.Popen(
            [binary, "serve", str(paths.config_file)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    address = f"{HOST}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UserError(
                f"the registry exited with code {process.returncode} right after starting; see {paths.log_file}"
            )
        if _answers(address):
            atomic_write(paths.pid_file, f"{process.pid}\n".encode())
            atomic_write(paths.port_file, f"{port}\n".encode())
            return RegistryStatus(True, process.pid, address, f"registry running at {address} (pid {process.pid})")
        time.sleep(0.1)
    process.kill()
    process.wait(timeout=STOP_TIMEOUT_S)
    raise UserError(f"the registry did not answer on {address} within {START_TIMEOUT_S:.0f}s; see {paths.log_file}")


def stop_registry(data_dir: Path = DEFAULT_DATA_DIR) -> RegistryStatus:
    """Stop the registry recorded in `data_dir` by its PID (SIGTERM, then SIGKILL after a timeout)."""
    paths = RegistryPaths(data_dir.resolve())
    pid = _read_int(paths.pid_file)
    if pid is None or not _is_registry_process(pid):
        _forget(paths)
        return RegistryStatus(False, None, None, f"no registry running from {data_dir}")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and _is_registry_process(pid):
        _reap(pid)
        time.sleep(0.05)
    if _is_registry_process(pid):
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    _forget(paths)
    return RegistryStatus(False, None, None, f"registry (pid {pid}) stopped")


def registry_status(data_dir: Path = DEFAULT_DATA_DIR) -> RegistryStatus:
    paths = RegistryPaths(data_dir.resolve())
    pid, port = _read_int(paths.pid_file), _read_int(paths.port_file)
    if pid is None or port is None:
        return RegistryStatus(False, None, None, f"no registry started from {data_dir}")
    address = f"{HOST}:{port}"
    if not _is_registry_process(pid):
        return RegistryStatus(
            False,
            None,
            None,
            f"the registry from {data_dir} (pid {pid}) is no longer running; start it with `companyos registry start`",
        )
    if not _answers(address):
        return RegistryStatus(
            False, pid, address, f"pid {pid} runs but {address}/v2/ does not answer; see {paths.log_file}"
        )
    return RegistryStatus(True, pid, address, f"registry running at {address} (pid {pid})")


def _ensure_port_free(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UserError(
                    f"port {port} on {HOST} is already in use; pick another with --port, or stop what listens there"
                ) from None
            raise UserError(f"cannot bind {HOST}:{port}: {error.strerror}; pick another --port") from None


def _answers(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=1.0) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _is_registry_process(pid: int) -> bool:
    # Checks the command line too, so a PID recycled by another program is never signalled.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and REGISTRY_BINARY.encode() in cmdline.split(b"\0", 1)[0]


def _reap(pid: int) -> None:
    # The registry is our child when started in this process (tests); reap it so it does not linger as a zombie.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _forget(paths: RegistryPaths) -> None:
    paths.pid_file.unlink(missing_ok=True)
    paths.port_file.unlink(missing_ok=True)
