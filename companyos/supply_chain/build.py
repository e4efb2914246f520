"""Build a service's Dockerfile with buildah and push it; the digest the registry holds is the build's output."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.supply_chain.base_image import ensure_base_image
from companyos.supply_chain.buildah import buildah, push
from companyos.supply_chain.oci import is_loopback
from companyos.supply_chain.release_paths import BUILD_FILE, refuse_recorded, release_dir
from companyos.support.files import atomic_write_json

_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")


@dataclass(frozen=True)
class BuildResult:
    service: str
    version: str
    repository: str  # registry/name
    tag: str
    digest: str
    base_image: str  # "" when the Dockerfile's own pinned BASE_IMAGE default was used
    built_at: str

    @property
    def pinned(self) -> str:
        return f"{self.repository}@{self.digest}"


def read_package(service_dir: Path) -> tuple[str, str]:
    """(name, version) from the service's package.json: the image name and default tag."""
    path = service_dir / "package.json"
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(
            f"cannot read {path} ({error}); SERVICE_DIR must be a service rendered from the paved-road template"
        ) from None
    name, version = package.get("name"), package.get("version")
    if not isinstance(name, str) or not _NAME.match(name) or not isinstance(version, str) or not version:
        raise UserError(
            f"{path}: `name` must be a lowercase image name and `version` set (got {name!r}, "
            f"{version!r}); fix package.json"
        )
    return name, version


def build_service(
    service_dir: Path, registry: str, work: Path, *, tag: str | None = None, base_image: str | None = None
) -> BuildResult:
    """Build SERVICE_DIR/Dockerfile, push `<registry>/<name>:<tag>`, record build.json; return the result."""
    if not (service_dir / "Dockerfile").is_file():
        raise UserError(f"{service_dir / 'Dockerfile'} does not exist; SERVICE_DIR must hold the service's Dockerfile")
    name, version = read_package(service_dir)
    tag = tag or version
    if not _TAG.match(tag):
        raise UserError(f"--tag {tag!r} is not a valid image tag (letters, digits, '.', '_', '-'; max 128)")
    folder = release_dir(work, name, tag)  # the release's folder is its version: the image tag
    refuse_recorded(folder, f"image (tag {tag})")
    insecure = is_loopback(registry)
    if base_image is None and insecure:
        # No official base can be pulled here; stand in with the local one, by digest.
        base_image = ensure_base_image(registry, work).reference
    if base_image is not None and "@sha256:" not in base_image:
        raise UserError(
            f"--base-image {base_image!r} is not pinned by digest; pass REPO@sha256:... so the build is reproducible"
        )

    local = f"localhost/{name}:{tag}"
    args = [
        "bud",
        "--isolation",
        "chroot",
        "--quiet",
        "--layers=false",
        "-f",
        str(service_dir / "Dockerfile"),
        "-t",
        local,
    ]
    if base_image:
        args += ["--build-arg", f"BASE_IMAGE={base_image}"]
    if insecure:
        args.append("--tls-verify=false")
    cache = work / "npm-cache"
    cache.mkdir(parents=True, exist_ok=True)
    # npm's download cache only (content-addressed, integrity-checked against the lockfile): rebuilds stay fast
    # and work offline once the packages were fetched once.
    args += ["--volume", f"{cache}:/root/.npm", str(service_dir)]
    repository = f"{registry}/{name}"
    try:
        buildah(args, work, what=f"building {service_dir}")
        digest = push(local, f"{repository}:{tag}", work, insecure=insecure)
    finally:
        _free_space(work, local)
    result = BuildResult(
        service=name,
        version=version,
        repository=repository,
        tag=tag,
        digest=digest,
        base_image=base_image or "",
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    atomic_write_json(folder / BUILD_FILE, asdict(result))
    return result


def _free_space(work: Path, local: str) -> None:
    # vfs keeps a full copy of every layer: drop the build's containers and the local image once pushed.
    for args in (["rm", "--all"], ["rmi", "--force", local], ["rmi", "--prune"]):
        try:
            buildah(args, work, timeout=120, what="cleaning up buildah storage")
        except UserError:
            pass  # the image may not exist if the build failed early; nothing else to clean
