"""Read a change from git: the paths it touches and a file as it was before it. The change is measured from the
merge base of BASE and HEAD, as a pull request's diff is, so commits that landed on BASE since do not count."""

from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path

from companyos.contracts.errors import UserError


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise UserError("`git` is not installed; `companyos affected` reads the change from git") from None


def merge_base(repo: Path, base: str, head: str) -> str:
    for name, rev in (("BASE", base), ("HEAD", head)):
        if set(rev) == {"0"}:
            raise UserError(
                f"{name} {rev} is the all-zero commit GitHub sends for a new branch: there is nothing to compare "
                "with. Fix: compare with the default branch (e.g. origin/main)."
            )
        if _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
            raise UserError(
                f"{name} {rev!r} is not a commit of {repo}. Fix: fetch it first (actions/checkout with "
                "fetch-depth: 0), or pass a branch, tag or commit id that exists."
            )
    done = _git(repo, "merge-base", base, head)
    if done.returncode != 0:
        raise UserError(f"{base} and {head} share no history in {repo}; pass two commits of the same repository")
    return done.stdout.strip()


def changed_paths(repo: Path, since: str, head: str) -> list[str]:
    """Every path the change adds, edits or deletes (a rename counts as both its old and its new path)."""
    done = _git(repo, "diff", "--name-only", "--no-renames", "-z", since, head)
    if done.returncode != 0:
        raise UserError(f"git diff {since} {head} failed: {done.stderr.strip()}")
    return [path for path in done.stdout.split("\0") if path]


def file_at(repo: Path, rev: str, path: str) -> str | None:
    """The file's text at `rev`, or None when it does not exist there."""
    if _git(repo, "cat-file", "-e", f"{rev}:{path}").returncode != 0:
        return None
    done = _git(repo, "show", f"{rev}:{path}")
    if done.returncode != 0:
        raise UserError(f"cannot read {path} at {rev}: {done.stderr.strip()}")
    return done.stdout


def symlinks(repo: Path, rev: str) -> list[tuple[str, str]]:
    """(link, target) for every symbolic link at `rev`, the target as a repository path (normalised; a target
    outside the repository is left out)."""
    done = _git(repo, "ls-tree", "-r", "-z", rev)
    if done.returncode != 0:
        raise UserError(f"git ls-tree {rev} failed: {done.stderr.strip()}")
    links = []
    for entry in done.stdout.split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[0] == "120000":
            target = _git(repo, "cat-file", "blob", fields[2]).stdout
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if not resolved.startswith("../") and not posixpath.isabs(resolved):
                links.append((path, resolved))
    return links
