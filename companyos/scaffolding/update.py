"""`update-service`: move a generated service to a newer template version with `copier update`.

Conflicts are written inline (`<<<<<<< before updating` ... `>>>>>>> after updating`) rather than as
`.rej` files: markers sit where the reader looks, git marks the files unmerged, and editors and
`git diff` show them; a `.rej` file next to the source is easy to miss. See ADR-0013.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from companyos.contracts.errors import UserError
from companyos.scaffolding.new_service import ANSWERS_FILE
from companyos.scaffolding.template import GIT_TIMEOUT_S, publication_of, publish_template

CONFLICT_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")


@dataclass(frozen=True)
class ServiceUpdate:
    path: Path
    from_version: str
    to_version: str
    changed: list[str]
    conflicts: list[str]


def _git(service: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=service, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
    )


def _answers(service: Path) -> dict[str, object]:
    answers_path = service / ANSWERS_FILE
    if not service.is_dir():
        raise UserError(f"{service}: no such directory. Fix: pass the directory of a generated service.")
    if not answers_path.is_file():
        raise UserError(
            f"{service}: has no {ANSWERS_FILE}, so it was not generated from a copier template. "
            "Fix: pass the directory `companyos new-service` created."
        )
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}
    if not answers.get("_src_path") or not answers.get("_commit"):
        raise UserError(
            f"{answers_path}: records no template source or version (_src_path/_commit), so copier "
            "cannot tell what changed. Fix: regenerate the service with `companyos new-service` "
            "and move your code over."
        )
    return answers


def _check_clean_git_tree(service: Path) -> None:
    inside = _git(service, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise UserError(
            f"{service}: is not in a git repository; copier update needs one to merge template changes. "
            "Fix: git init --initial-branch=main && git add --all && git commit -m 'Generated service'."
        )
    dirty = _git(service, "status", "--porcelain", "--", ".").stdout.splitlines()
    if dirty:
        shown = ", ".join(line[3:] for line in dirty[:10]) + (" ..." if len(dirty) > 10 else "")
        raise UserError(
            f"{service}: has uncommitted changes ({shown}); copier update needs a clean tree so its "
            "changes can be reviewed and undone. Fix: commit them (git add --all && git commit) "
            "or stash them (git stash --include-untracked), then run again."
        )


def update_service(service: Path, to_ref: str | None = None) -> ServiceUpdate:
    service = service.resolve()
    answers = _answers(service)
    _check_clean_git_tree(service)
    src = str(answers["_src_path"])
    origin = publication_of(Path(src).expanduser())
    if origin is not None:
        # The service came from a template folder published to the local cache (this checkout's, usually):
        # publish its current VERSION so "newest" means it; in dev mode, its working tree, which is the target.
        published = publish_template(origin.source, Path(src).expanduser(), dev=origin.dev)
        if origin.dev and to_ref is None:
            to_ref = published.tag
    elif "://" not in src and not src.startswith("git@") and not Path(src).expanduser().exists():
        raise UserError(
            f"{service / ANSWERS_FILE}: template source {src} does not exist on this machine. "
            "Fix: set _src_path in that file to the template repository's URL, commit, and run again."
        )
    before = str(answers["_commit"])

    import copier  # deferred like in scaffold.py: copier's import is the slow part of the CLI
    from copier.errors import CopierError

    try:
        copier.run_update(
            service,
            vcs_ref=to_ref,
            defaults=True,
            overwrite=True,
            unsafe=False,
            quiet=True,
            conflict="inline",
            skip_answered=True,
        )
    except (CopierError, ValueError) as exc:
        raise UserError(
            f"copier update of {service} failed: {exc}. Fix: check --to names a tag of {src}; "
            "undo any partial change with git checkout -- . && git clean -fd"
        ) from None
    after = str(_answers(service)["_commit"])
    # git prints paths relative to the repository root, which is the service itself unless it lives in a monorepo.
    root = Path(_git(service, "rev-parse", "--show-toplevel").stdout.strip())
    status = _git(service, "status", "--porcelain", "--untracked-files=all", "--", ".").stdout.splitlines()
    changed = sorted({line[3:].split(" -> ")[-1].strip('"') for line in status})
    return ServiceUpdate(
        path=service, from_version=before, to_version=after, changed=changed, conflicts=_conflicts(root, changed)
    )


def _conflicts(root: Path, changed: list[str]) -> list[str]:
    unmerged = set(_git(root, "diff", "--name-only", "--diff-filter=U").stdout.split())
    marked = {
        name for name in changed if name.endswith(".rej") or ((root / name).is_file() and _has_markers(root / name))
    }
    return sorted(marked | unmerged)


def _has_markers(path: Path) -> bool:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError):
        return False
    return any(line.rstrip() in CONFLICT_MARKERS for line in lines)
