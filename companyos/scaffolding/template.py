"""Where `new-service` renders from: the node-express template published as its own tagged git repository.

copier can update a generated service only when the template is the ROOT of a git repository with
version tags; rendered from a subfolder of this repository, a service records no `_commit` and
`copier update` fails. Teams consume the template as such a repository (`--template URL`, or the
environment variable PAVED_ROAD_TEMPLATE). Without one, `publish_template` exports
`service_templates/node-express/` of this checkout into a local repository tagged `v<VERSION>`: the same
shape, so generated services record `_src_path` + `_commit` and `update-service` works. See ADR-0013.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from companyos.contracts.errors import UserError

TEMPLATE_NAME = "node-express"
TEMPLATE_ENV = "PAVED_ROAD_TEMPLATE"
BUNDLED_TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "service_templates" / TEMPLATE_NAME
# Build output and dependencies a template engineer may have in the folder are not part of a release.
EXCLUDED = ("node_modules", "dist", ".git")
_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?$")
# The publisher commits in a repository of its own; it must not depend on the user's git identity or signing setup.
_GIT_CONFIG = [
    "-c",
    "user.name=paved-road template publisher",
    "-c",
    "user.email=templates@paved-road.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "tag.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]
GIT_TIMEOUT_S = 60


@dataclass(frozen=True)
class PublishedTemplate:
    path: Path
    tag: str
    created: bool
    """False when the tag already existed with exactly this content (publishing is idempotent)."""


@dataclass(frozen=True)
class TemplateSource:
    src: str
    """What copier renders from: a git URL or a local repository path."""
    published: PublishedTemplate | None
    """Set when the source is this checkout's template, published on the fly."""


def default_published_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "paved-road" / "templates" / TEMPLATE_NAME


def template_version(template_dir: Path = BUNDLED_TEMPLATE_DIR) -> str:
    version_file = template_dir / "VERSION"
    try:
        version = version_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UserError(
            f"{version_file}: cannot read the template version ({exc}). Fix: create it with one line such as 0.1.0."
        ) from None
    if not _VERSION.match(version):
        raise UserError(f"{version_file}: '{version}' is not a version. Fix: write MAJOR.MINOR.PATCH, e.g. 0.1.0.")
    return version


def git(cwd: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *_GIT_CONFIG, *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise UserError("git is not installed. Fix: install git (apt-get install -y git).") from None
    if result.returncode != 0:
        raise UserError(f"git {' '.join(args)} failed in {cwd}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


@contextmanager
def _locked(destination: Path) -> Iterator[None]:
    # Two `new-service` runs may publish at once; the second waits instead of racing on the same repository.
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(destination.parent / f".{destination.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _has_commit(repo: Path) -> bool:
    probe = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
        cwd=repo,
        capture_output=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )
    return probe.returncode == 0


def _tags(repo: Path) -> set[str]:
    return set(git(repo, "tag", "--list").split())


def _replace_tree(source: Path, repo: Path) -> None:
    for entry in repo.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    shutil.copytree(source, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*EXCLUDED))


def publish_template(source: Path = BUNDLED_TEMPLATE_DIR, destination: Path | None = None) -> PublishedTemplate:
    """Commits `source` into the git repository `destination` and tags it `v<source/VERSION>`.

    A published tag is immutable: services generated from it diff against it when they update. So
    publishing different content under an existing tag is refused (bump VERSION instead)."""
    destination = destination or default_published_dir()
    if not (source / "copier.yml").is_file():
        raise UserError(
            f"{source}: no copier.yml, so this is not a copier template. "
            "Fix: run from a paved-road checkout, or pass --template URL_OR_PATH."
        )
    tag = f"v{template_version(source)}"
    with _locked(destination):
        if not (destination / ".git").is_dir():
            if destination.exists() and any(destination.iterdir()):
                raise UserError(
                    f"{destination}: exists and is not a template repository. "
                    "Fix: remove it, or publish to another directory."
                )
            destination.mkdir(parents=True, exist_ok=True)
            git(destination, "init", "--quiet")
        has_head = _has_commit(destination)
        try:
            _replace_tree(source, destination)
            git(destination, "add", "--all")
            staged_tree = git(destination, "write-tree").strip()
            if tag in _tags(destination):
                if staged_tree != git(destination, "rev-parse", f"{tag}^{{tree}}").strip():
                    raise UserError(
                        f"{source} differs from the published {tag} in {destination}, but {source / 'VERSION'} "
                        f"still says {tag[1:]}. A published version must not change: services generated from it "
                        "diff against it when they update. Fix: bump VERSION (e.g. to the next patch version) "
                        "and run again."
                    )
                return PublishedTemplate(destination, tag, created=False)
            if not has_head or staged_tree != git(destination, "rev-parse", "HEAD^{tree}").strip():
                git(destination, "commit", "--quiet", "--message", f"{TEMPLATE_NAME} {tag}")
            git(destination, "tag", "--annotate", tag, "--message", f"{TEMPLATE_NAME} {tag}")
            return PublishedTemplate(destination, tag, created=True)
        finally:
            # Leave the repository clean at its newest commit whatever happened: copier renders a local
            # repository's uncommitted changes into services, which must never happen here.
            if _has_commit(destination):
                git(destination, "reset", "--quiet", "--hard", "HEAD")
                git(destination, "clean", "--quiet", "-d", "--force")


def resolve_template_source(explicit: str | None = None) -> TemplateSource:
    """--template, else $PAVED_ROAD_TEMPLATE, else this checkout's template published to the local cache."""
    chosen = explicit or os.environ.get(TEMPLATE_ENV)
    if chosen:
        if "://" not in chosen and not chosen.startswith("git@"):
            path = Path(chosen).expanduser().resolve()
            if not path.is_dir():
                raise UserError(
                    f"template source {chosen} does not exist. Fix: pass --template (or set "
                    f"{TEMPLATE_ENV}) to a git URL or a local template repository."
                )
            chosen = str(path)
        return TemplateSource(src=chosen, published=None)
    published = publish_template()
    return TemplateSource(src=str(published.path), published=published)
