"""What the gate judged, and where each part came from: the catalogue and release records (with their sha256) and
every stack-config value with its source (flag, stack file, environment).

Pulumi's SDK falls back to the caller's environment (`PULUMI_CONFIG`, `PULUMI_CONFIG_<KEY>`) for any key the stack
does not set, so an exported variable can switch `manageRepository` off or swap the catalogue without a trace.
The gate refuses such configuration unless it is accepted explicitly, and then records it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime.config import get_config_env_key

from companyos.contracts.errors import UserError

ENV_BAG = "PULUMI_CONFIG"
ENV_PREFIX = "PULUMI_CONFIG_"
# The Pulumi CLI's own variables that share the prefix but are not configuration.
NOT_CONFIG = frozenset({"PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_CONFIG_SECRET_KEYS"})
PLATFORM_NAMESPACE = "paved-road:"
PLATFORM_ENV_PREFIX = ENV_PREFIX + "PAVED_ROAD_"
WITHHELD = "(value not recorded: not a paved-road key, it may be a credential)"


@dataclass(frozen=True)
class ConfigInput:
    key: str
    """A config key (`paved-road:service`) or, for PULUMI_CONFIG_<KEY>, the variable's name."""
    value: str | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "source": self.source}


def environment_config(environ: Mapping[str, str]) -> list[ConfigInput]:
    """Every stack-config value the caller's environment would hand the program."""
    found: list[ConfigInput] = []
    if environ.get(ENV_BAG):
        try:
            bag = json.loads(environ[ENV_BAG])
        except ValueError:
            raise UserError(
                f"{ENV_BAG} in the environment is not JSON; the Pulumi SDK would fail on it. Fix: unset "
                f"{ENV_BAG} (the gate reads stack config from Pulumi.<stack>.yaml and its flags)"
            ) from None
        for key, value in sorted(bag.items() if isinstance(bag, dict) else []):
            shown = str(value) if str(key).startswith(PLATFORM_NAMESPACE) else WITHHELD
            found.append(ConfigInput(str(key), shown, f"environment ({ENV_BAG})"))
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and name not in NOT_CONFIG:
            shown = environ[name] if name.startswith(PLATFORM_ENV_PREFIX) else WITHHELD
            found.append(ConfigInput(name, shown, f"environment ({name})"))
    return found


def refuse_environment_config(found: list[ConfigInput]) -> str:
    shown = [f"{item.key}={item.value}" if item.value != WITHHELD else item.key for item in found[:6]]
    more = f" and {len(found) - 6} more" if len(found) > 6 else ""
    return (
        f"the environment sets stack config ({'; '.join(shown)}{more}), which the Pulumi program would read for "
        "any key the stack does not set. Fix: unset it and put the value in Pulumi.<stack>.yaml or a flag, or "
        "pass --allow-env-config to accept it; it is then listed in the gate report's inputs"
    )


def sha256_of(path: Path) -> str | None:
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def lookup(key: str, explicit: Mapping[str, str], environ: Mapping[str, str] | None) -> str | None:
    """The value the program reads for `key`, in the SDK's order: explicit config, PULUMI_CONFIG_<KEY>, the bag."""
    if key in explicit:
        return explicit[key]
    if environ is None:
        return None
    variable = get_config_env_key(key)
    if variable in environ:
        return environ[variable]
    try:
        bag = json.loads(environ.get(ENV_BAG) or "{}")
    except ValueError:
        return None
    value = bag.get(key) if isinstance(bag, dict) else None
    return str(value) if value is not None else None


def tree_digest(folder: Path) -> str | None:
    """sha256 over every file of `folder` (path and bytes, sorted; caches skipped): which pack judged, exactly."""
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def gate_inputs(
    project_dir: Path, config: list[ConfigInput], environ: Mapping[str, str] | None, pack_dir: Path | None = None
) -> dict[str, Any]:
    """The report's `inputs`: catalogue and release records with their digests, and every config value's source.
    `environ` is the accepted environment (None when it was refused or empty)."""
    explicit = {item.key: item.value or "" for item in config if ":" in item.key and item.value is not None}
    catalog = project_dir / (lookup("paved-road:catalog", explicit, environ) or "services.yaml")
    records: list[Path] = []
    release = lookup("paved-road:releaseRecord", explicit, environ)
    if release:
        records.append(project_dir / release)
    releases_dir = project_dir / (lookup("paved-road:releasesDir", explicit, environ) or "releases")
    if releases_dir.is_dir():
        records += sorted(releases_dir.glob("*.json"))
    return {
        **({"pack": {"path": str(pack_dir), "sha256": tree_digest(pack_dir)}} if pack_dir is not None else {}),
        "catalog": {"path": str(catalog), "sha256": sha256_of(catalog)},
        "release_records": [{"path": str(path), "sha256": sha256_of(path)} for path in records],
        "config": [item.to_dict() for item in config],
    }
