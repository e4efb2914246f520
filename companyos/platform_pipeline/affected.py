"""Which stacks a change to the platform repository touches (`companyos affected BASE HEAD`).

A stack is `<service>-<environment>` (ADR-0010). A stanza added or changed affects its service's stacks; a change
to what every stack runs (the program, its components, the pack, companyos, the stack files, the dependencies)
affects them all. Default-deny: a touched path this module does not know to be inert (docs, tests, the template)
counts as one that affects every stack, so nothing that could change a preview goes unpreviewed."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from companyos.catalog import CatalogError, load_catalog_text
from companyos.catalog.model import Catalog, ServiceSpec
from companyos.contracts.errors import UserError
from companyos.platform_pipeline.git_revisions import changed_paths, file_at, merge_base, symlinks

# Paths that cannot change what a stack's preview shows. Everything else, known or not, affects every stack.
INERT_PATHS = (
    "docs/*",
    "tests/*",
    "benchmarks/*",
    ".ci/*",
    ".github/*",
    "service_templates/*",
    "*.md",
    "LICENSE",
    ".gitignore",
    ".secrets-scan-exclusions.yaml",
)


@dataclass(frozen=True)
class AffectedStacks:
    stacks: dict[str, list[str]] = field(default_factory=dict)
    """Stack -> why it is affected (one sentence per reason)."""
    removed: list[str] = field(default_factory=list)
    """Services whose stanza the change removes: their stacks are not previewed (there is no program for them);
    destroying them is a separate, reviewed `pulumi destroy`."""

    def matrix(self) -> dict[str, list[dict[str, str]]]:
        """The GitHub Actions matrix (`strategy.matrix: ${{ fromJSON(...) }}`), one entry per stack."""
        include = []
        for stack in sorted(self.stacks):
            service, _, environment = stack.rpartition("-")
            include.append({"stack": stack, "service": service, "environment": environment})
        return {"include": include}

    def to_report(self) -> dict[str, object]:
        return {
            "stacks": sorted(self.stacks),
            "reasons": {stack: self.stacks[stack] for stack in sorted(self.stacks)},
            "removed": self.removed,
            "matrix": self.matrix(),
            "any": bool(self.stacks),
        }


def is_inert(path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in INERT_PATHS)


def _linked(path: str, link_targets: Sequence[str]) -> bool:
    """Whether a link outside the inert paths points at `path` or at a folder holding it."""
    return any(path == target or path.startswith(target.rstrip("/") + "/") for target in link_targets)


def _comparable(spec: ServiceSpec) -> ServiceSpec:
    return dataclasses.replace(spec, line=0)  # where a stanza sits in the file changes nothing it provisions


def _changed_fields(old: ServiceSpec, new: ServiceSpec) -> list[str]:
    before, after = dataclasses.asdict(_comparable(old)), dataclasses.asdict(_comparable(new))
    return [name for name in after if before.get(name) != after[name]]


def affected_stacks(
    old: Catalog | None,
    new: Catalog,
    changed_files: Sequence[str],
    *,
    catalog_path: str,
    environments: Sequence[str] = ("dev",),
    releases_dir: str = "releases",
    link_targets: Sequence[str] = (),
) -> AffectedStacks:
    """`old` is the catalogue at BASE (None when BASE has none); `changed_files` the paths the diff touches;
    `link_targets` where the repository's symbolic links outside the inert paths point (a program file that is a
    link into docs/ makes that docs/ file part of the program)."""
    reasons: dict[str, list[str]] = {}

    def affect(service: str, why: str) -> None:
        for environment in environments:
            reasons.setdefault(f"{service}-{environment}", []).append(why)

    stack_names = {f"{spec.name}-{environment}" for spec in new.services for environment in environments}
    services = {spec.name for spec in new.services}
    everything = []
    for path in changed_files:
        stack = path.removeprefix("Pulumi.").removesuffix(".yaml")
        release = path.removeprefix(f"{releases_dir}/").removesuffix(".json")
        if path == catalog_path:
            continue  # judged stanza by stanza below
        if path.startswith("Pulumi.") and path.endswith(".yaml") and stack in stack_names:
            reasons.setdefault(stack, []).append(f"{path} changed")  # one stack's config file
        elif path.startswith(f"{releases_dir}/") and path.endswith(".json") and release in services:
            affect(release, f"{path} changed: the release it deploys")
        elif not is_inert(path) or _linked(path, link_targets):
            everything.append(path)
    if everything:
        shown = ", ".join(everything[:5]) + (f" and {len(everything) - 5} more" if len(everything) > 5 else "")
        for spec in new.services:
            affect(spec.name, f"{shown} changed: every stack runs it")
    old_services = {spec.name: spec for spec in old.services} if old else {}
    if old is not None and (old.image_registry, old.github_visibility) != (new.image_registry, new.github_visibility):
        for spec in new.services:
            affect(spec.name, f"{catalog_path}: a catalogue-wide setting changed")
    for spec in new.services:
        before = old_services.get(spec.name)
        if before is None:
            affect(spec.name, f"{catalog_path}: stanza added")
        elif fields := _changed_fields(before, spec):
            affect(spec.name, f"{catalog_path}: stanza changed ({', '.join(fields)})")
    removed = sorted(set(old_services) - {spec.name for spec in new.services})
    return AffectedStacks(stacks=reasons, removed=removed)


def affected_between(
    repo: Path, base: str, head: str, *, catalog_path: str = "services.yaml", environments: Sequence[str] = ("dev",)
) -> AffectedStacks:
    """The stacks the change from BASE to HEAD touches, read from git (not the working tree)."""
    since = merge_base(repo, base, head)
    new_text = file_at(repo, head, catalog_path)
    if new_text is None:
        raise UserError(f"{catalog_path} does not exist at {head}. Fix: pass --catalog with the catalogue's path.")
    new = load_catalog_text(new_text, f"{catalog_path} at {head}")
    old_text = file_at(repo, since, catalog_path)
    try:
        old = load_catalog_text(old_text, f"{catalog_path} at {since}") if old_text is not None else None
    except CatalogError:
        old = None  # an invalid catalogue before the change: every stanza counts as added
    return affected_stacks(
        old,
        new,
        changed_paths(repo, since, head),
        catalog_path=catalog_path,
        environments=environments,
        link_targets=[target for link, target in symlinks(repo, head) + symlinks(repo, since) if not is_inert(link)],
    )
