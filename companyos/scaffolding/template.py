"""Where `new-service` renders from: the node-express template published as its own tagged git repository.

copier can update a generated service only when the template is the ROOT of a git repository with
version tags; rendered from a subfolder of this repository, a service records no `_commit` and
`copier update` fails. Teams consume the template as such a repository (`--template URL`, or the
environment variable PAVED_ROAD_TEMPLATE). Without one, `publish_template` exports
`service_templates/node-express/` of this checkout into a local repository tagged `v<VERSION>`: the same
shape, so generated services record `_src_path` + `_commit` and `update-service` works. See ADR-0013.

Each template folder publishes into its own repository, keyed by the folder's absolute path
(`~/.cache/paved-road/templates/<key>/node-express`), so two checkouts (or a checkout and an installed
wheel) sharing one cache never meet. A release tag is immutable there. Template development uses the
dev mode instead (`--template-dev`, PAVED_ROAD_TEMPLATE_DEV=1): the working tree is published into a
separate repository (`.../<key>/node-express-dev`) as `v<VERSION>-dev.<content hash>`, a tag per content,
so an edited template renders without a VERSION bump and never touches the release tags.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.support.assets import TEMPLATE, locate

TEMPLATE_NAME = "node-express"
TEMPLATE_ENV = "PAVED_ROAD_TEMPLATE"
TEMPLATE_DEV_ENV = "PAVED_ROAD_TEMPLATE_DEV"
BUNDLED_TEMPLATE_DIR = locate(TEMPLATE)
"""This checkout's service_templates/node-express/, or the copy an installed wheel carries."""
EXCLUDED = TEMPLATE.excluded
DEV_SUFFIX = "-dev"
# Recorded in each publication's .git/config: which folder it publishes, so update-service can publish it again.
_SOURCE_KEY, _DEV_KEY = "paved-road.source", "paved-road.dev"
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
    dev: bool = False
    """A dev publication: the working tree tagged v<VERSION>-dev.<content hash>, outside the release tags."""


@dataclass(frozen=True)
class TemplateSource:
    src: str
    """What copier renders from: a git URL or a local repository path."""
    published: PublishedTemplate | None
    """Set when the source is a template folder (this checkout's, the wheel's, --template FOLDER), published on the fly."""


def templates_cache() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "paved-road" / "templates"


def source_key(source: Path) -> str:
    """The cache key of a template folder: its absolute path, hashed (a checkout, another checkout, a wheel)."""
    return hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:12]


def default_published_dir(source: Path = BUNDLED_TEMPLATE_DIR, *, dev: bool = False) -> Path:
    """Where `source` is published: one repository per template folder, and a separate one for its dev mode."""
    return templates_cache() / source_key(source) / (TEMPLATE_NAME + (DEV_SUFFIX if dev else ""))


def dev_mode_requested(environ: dict[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(TEMPLATE_DEV_ENV, "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


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


def is_template_folder(path: Path) -> bool:
    """A template's source folder (copier.yml and VERSION), as opposed to a published repository (its git root)."""
    return (path / "copier.yml").is_file() and (path / "VERSION").is_file() and not (path / ".git").exists()


def publish_template(
    source: Path = BUNDLED_TEMPLATE_DIR, destination: Path | None = None, *, dev: bool = False
) -> PublishedTemplate:
    """Commits `source` into the git repository `destination` and tags it `v<source/VERSION>`.

    A published tag is immutable: services generated from it diff against it when they update. So
    publishing different content under an existing tag is refused (bump VERSION instead). With `dev`,
    the tag is `v<VERSION>-dev.<content hash>` instead: each content its own tag, never refused."""
    source = source.resolve()
    destination = destination or default_published_dir(source, dev=dev)
    if not (source / "copier.yml").is_file():
        raise UserError(
            f"{source}: no copier.yml, so this is not a copier template. Fix: pass --template with a template "
            "repository URL or a template folder (an installed companyos carries its own; reinstall it if missing)."
        )
    version = template_version(source)
    with _locked(destination):
        if not (destination / ".git").is_dir():
            if destination.exists() and any(destination.iterdir()):
                raise UserError(
                    f"{destination}: exists and is not a template repository. "
                    "Fix: remove it, or publish to another directory."
                )
            destination.mkdir(parents=True, exist_ok=True)
            git(destination, "init", "--quiet")
        git(destination, "config", _SOURCE_KEY, str(source))
        git(destination, "config", "--bool", _DEV_KEY, str(dev).lower())
        has_head = _has_commit(destination)
        try:
            _replace_tree(source, destination)
            git(destination, "add", "--all")
            staged_tree = git(destination, "write-tree").strip()
            tag = f"v{version}{DEV_SUFFIX}.{staged_tree[:12]}" if dev else f"v{version}"
            if tag in _tags(destination):
                if staged_tree != git(destination, "rev-parse", f"{tag}^{{tree}}").strip():
                    raise UserError(
                        f"{source} differs from the published {tag} in {destination}, but {source / 'VERSION'} "
                        f"still says {version}. A published version must not change: services generated from it "
                        "diff against it when they update. Fix: bump VERSION (e.g. to the next patch version) "
                        f"and run again; while developing the template, render its working tree with --template-dev "
                        f"(or {TEMPLATE_DEV_ENV}=1) instead (docs/template.md)."
                    )
                return PublishedTemplate(destination, tag, created=False, dev=dev)
            if not has_head or staged_tree != git(destination, "rev-parse", "HEAD^{tree}").strip():
                git(destination, "commit", "--quiet", "--message", f"{TEMPLATE_NAME} {tag}")
            git(destination, "tag", "--annotate", tag, "--message", f"{TEMPLATE_NAME} {tag}")
            return PublishedTemplate(destination, tag, created=True, dev=dev)
        finally:
            # Leave the repository clean at its newest commit whatever happened: copier renders a local
            # repository's uncommitted changes into services, which must never happen here.
            if _has_commit(destination):
                git(destination, "reset", "--quiet", "--hard", "HEAD")
                git(destination, "clean", "--quiet", "-d", "--force")


@dataclass(frozen=True)
class Publication:
    source: Path
    dev: bool


def publication_of(repo: Path) -> Publication | None:
    """The template folder `repo` is the default publication of (and whether in dev mode), if that folder exists."""
    if not (repo / ".git").is_dir():
        return None
    try:
        source = Path(git(repo, "config", "--get", _SOURCE_KEY).strip())
        dev = git(repo, "config", "--get", "--bool", _DEV_KEY).strip() == "true"
    except UserError:
        return None  # published before the source was recorded, or by other means
    if not source.is_dir() or repo.resolve() != default_published_dir(source, dev=dev).resolve():
        return None
    return Publication(source, dev)


def resolve_template_source(explicit: str | None = None, *, dev: bool = False) -> TemplateSource:
    """--template, else $PAVED_ROAD_TEMPLATE, else this checkout's template published to the local cache.

    A repository (URL, or local git root) is rendered as it is; a template folder is published first, as a
    release (`v<VERSION>`) or, in dev mode (`dev`, or $PAVED_ROAD_TEMPLATE_DEV), as `v<VERSION>-dev.<hash>`."""
    dev = dev or dev_mode_requested()
    chosen = explicit or os.environ.get(TEMPLATE_ENV)
    if not chosen:
        published = publish_template(BUNDLED_TEMPLATE_DIR, dev=dev)
        return TemplateSource(src=str(published.path), published=published)
    if "://" in chosen or chosen.startswith("git@"):
        path = None
    else:
        path = Path(chosen).expanduser().resolve()
        if not path.is_dir():
            raise UserError(
                f"template source {chosen} does not exist. Fix: pass --template (or set "
                f"{TEMPLATE_ENV}) to a git URL, a local template repository or a template folder."
            )
        if is_template_folder(path):
            published = publish_template(path, dev=dev)
            return TemplateSource(src=str(published.path), published=published)
    if dev:
        raise UserError(
            f"template dev mode publishes a template folder's working tree, and {chosen} is a repository "
            f"(its tags are its versions). Fix: drop --template-dev (unset {TEMPLATE_DEV_ENV}), or pass "
            "the template folder (the one holding copier.yml and VERSION)."
        )
    return TemplateSource(src=str(path) if path is not None else chosen, published=None)
