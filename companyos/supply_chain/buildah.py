"""Run buildah without a daemon or root-owned state: vfs storage under the work tree, chroot isolation.

vfs copies every layer instead of overlaying it (slower, more disk), but it needs no kernel overlay support
and no fuse, so it works in CI containers and on this machine alike.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.supply_chain.reference import is_sha256_digest
from companyos.support.files import atomic_write
from companyos.support.progress import run_tool

BUILDAH_INSTALL_HINT = "install it with `apt-get install -y buildah` (Debian 12 ships 1.28)"
# A build runs npm ci twice; a wedged build must not hang CI forever.
BUILD_TIMEOUT_S = 1200
PUSH_TIMEOUT_S = 300
WORK_DIR_ENV = "COMPANYOS_WORK_DIR"


def work_dir() -> Path:
    """The work tree (default ./.work): registry data, container storage, tools, build outputs."""
    return Path(os.environ.get(WORK_DIR_ENV, ".work")).resolve()


def storage_conf(work: Path) -> Path:
    """Write (once) and return a containers-storage.conf(5) that keeps images under `work`."""
    root = work / "containers"
    conf = root / "storage.conf"
    text = f'[storage]\ndriver = "vfs"\nrunroot = "{root / "run"}"\ngraphroot = "{root / "storage"}"\n'
    if not conf.exists() or conf.read_text() != text:
        root.mkdir(parents=True, exist_ok=True)
        atomic_write(conf, text.encode())
    return conf


def buildah(args: list[str], work: Path, *, timeout: float = BUILD_TIMEOUT_S, what: str) -> str:
    """Run `buildah ARGS` against the work tree's storage; UserError with buildah's output on failure."""
    binary = shutil.which("buildah")
    if binary is None:
        raise UserError(f"`buildah` is not on PATH; {BUILDAH_INSTALL_HINT}")
    env = {**os.environ, "CONTAINERS_STORAGE_CONF": str(storage_conf(work))}
    try:
        result = run_tool([binary, *args], env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise UserError(
            f"{what} did not finish within {timeout:.0f}s (buildah {' '.join(args[:2])}); "
            "check the machine's load and retry"
        ) from None
    if result.returncode != 0:
        output = (result.stdout[-3000:] + "\n" + result.stderr[-3000:]).strip()
        raise UserError(f"{what} failed (buildah exit {result.returncode}):\n{output}")
    return result.stdout


def push(image: str, destination: str, work: Path, *, insecure: bool) -> str:
    """Push a local image to `destination` (registry/repo:tag) and return the manifest digest the registry holds."""
    digest_file = work / "containers" / f".digest-{os.getpid()}"
    args = ["push", "--quiet", "--digestfile", str(digest_file)]
    if insecure:
        args.append("--tls-verify=false")
    try:
        buildah(
            [*args, image, f"docker://{destination}"],
            work,
            timeout=PUSH_TIMEOUT_S,
            what=f"pushing {image} to {destination}",
        )
        digest = digest_file.read_text().strip()
    finally:
        digest_file.unlink(missing_ok=True)
    if not is_sha256_digest(digest):
        raise UserError(f"buildah pushed {destination} but reported no sha256 digest ({digest!r})")
    return digest
