"""Files the CLI reads that live at the repository root: the service template, the policy pack, the dashboards
and the evidence page template.

One copy each, where the repository keeps it. The wheel carries them as package data under
`companyos/_assets/<same relative path>`: setup.py's build step calls `package_assets` (this module is
loaded there by path, so it imports nothing but the standard library). `locate` answers from the
checkout when companyos runs from one (an editable install: edits count at once), else from the
wheel's copy.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""companyos/ of this installation."""
CHECKOUT_ROOT = PACKAGE_ROOT.parent
"""The repository root when companyos runs from a checkout; site-packages when it runs from a wheel."""
PACKAGED = "_assets"
"""The folder of companyos/ in a wheel that holds the assets."""
_ALWAYS_EXCLUDED = ("__pycache__", "*.pyc")


@dataclass(frozen=True)
class Asset:
    path: str
    """Relative to the repository root, and to companyos/_assets/ in a wheel."""
    excluded: tuple[str, ...] = ()
    """Names (shutil.ignore_patterns) that are never part of it: build output, virtualenvs, dependencies."""


# Build output and dependencies a template engineer may have in the folder are not part of a release.
TEMPLATE = Asset("service_templates/node-express", ("node_modules", "dist", ".git"))
# The pack's own virtualenv is built where the pack runs (PulumiPolicy.yaml runtime.options.virtualenv).
POLICY_PACK = Asset("policypacks/paved-road", ("venv",))
DASHBOARDS = Asset("dashboards")
EVIDENCE_TEMPLATE = Asset("docs/evidence/TEMPLATE.md")
ASSETS = (TEMPLATE, POLICY_PACK, DASHBOARDS, EVIDENCE_TEMPLATE)


def in_checkout() -> bool:
    return (CHECKOUT_ROOT / "pyproject.toml").is_file() and (CHECKOUT_ROOT / "companyos").is_dir()


def locate(asset: Asset) -> Path:
    """The asset in this checkout, else the copy packaged in the wheel (returned even if missing, for the message)."""
    if in_checkout() and (CHECKOUT_ROOT / asset.path).exists():
        return CHECKOUT_ROOT / asset.path
    return PACKAGE_ROOT / PACKAGED / asset.path


def package_assets(source_root: Path, package_dir: Path) -> list[Path]:
    """Copies every asset from the repository at `source_root` into `package_dir`/_assets/ (the build step of the
    wheel, `package_dir` being companyos/ in the build tree); returns the files written."""
    written: list[Path] = []
    for asset in ASSETS:
        source = source_root / asset.path
        target = package_dir / PACKAGED / asset.path
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(Path(shutil.copy2(source, target)))
            continue
        if not source.is_dir():
            raise FileNotFoundError(f"{source}: missing, so the wheel cannot carry it (companyos.support.assets)")
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*asset.excluded, *_ALWAYS_EXCLUDED))
        written.extend(path for path in sorted(target.rglob("*")) if path.is_file())
    return written
