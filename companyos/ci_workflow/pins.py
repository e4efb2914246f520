"""The CI workflow's pinned versions (`actions.yaml`): every action by full commit sha, every tool by exact version.

Read and checked once per path; a missing or malformed pin is a user error naming the entry to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from companyos.contracts.errors import UserError

PINS_PATH = Path(__file__).with_name("actions.yaml")

_COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ActionPin:
    name: str
    sha: str
    tag: str
    confirmed: str

    @property
    def uses(self) -> str:
        return f"{self.name}@{self.sha}"


@dataclass(frozen=True)
class Pins:
    actions: dict[str, ActionPin]
    tools: dict[str, str]

    def uses(self, action: str) -> str:
        try:
            return self.actions[action].uses
        except KeyError:
            raise UserError(
                f"{PINS_PATH}: no pin for action '{action}'. Fix: add actions.{action} with sha, tag "
                "and confirmed (where the sha was checked to be that tag)."
            ) from None

    def tool(self, name: str) -> str:
        try:
            return self.tools[name]
        except KeyError:
            raise UserError(f"{PINS_PATH}: no version for tool '{name}'. Fix: add tools.{name}.") from None


@lru_cache(maxsize=4)
def load_pins(path: Path = PINS_PATH) -> Pins:
    """Read and check the pins file; every action must be a full commit sha with its tag and provenance."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"{path}: the CI action pins file is missing. Fix: restore it from the platform repository "
            "(it must ship as package data of `companyos`)."
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc}). Fix: correct the syntax.") from None
    problems: list[str] = []
    actions: dict[str, ActionPin] = {}
    raw_actions = data.get("actions") if isinstance(data, dict) else None
    raw_tools = data.get("tools") if isinstance(data, dict) else None
    if not isinstance(raw_actions, dict) or not raw_actions:
        problems.append("actions: missing or empty mapping of owner/repo -> {sha, tag, confirmed}")
        raw_actions = {}
    for name, pin in raw_actions.items():
        pin = pin if isinstance(pin, dict) else {}
        sha, tag, confirmed = (str(pin.get(key, "")) for key in ("sha", "tag", "confirmed"))
        if not _COMMIT_SHA.match(sha):
            problems.append(f"actions.{name}.sha: '{sha}' is not a full 40-hex commit sha")
        if not tag:
            problems.append(f"actions.{name}.tag: missing (the release tag the sha is, e.g. v4.2.2)")
        if not confirmed:
            problems.append(f"actions.{name}.confirmed: missing (where the sha was checked to be that tag)")
        actions[str(name)] = ActionPin(name=str(name), sha=sha, tag=tag, confirmed=confirmed)
    if not isinstance(raw_tools, dict):
        problems.append("tools: missing mapping of tool -> exact version")
        raw_tools = {}
    if problems:
        raise UserError(
            f"{path}: invalid pins:\n  - " + "\n  - ".join(problems) + "\n  Fix: edit the entries named above."
        )
    return Pins(actions=actions, tools={str(k): str(v) for k, v in raw_tools.items()})
