"""The local observability stack's state file (`<work dir>/state.json`): the processes `up` started, so that
`down` and `status` act on exactly those PIDs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from companyos.contracts.errors import UserError

STATE_SCHEMA = "paved-road.obs-stack/v1"
STATE_FILE = "state.json"


@dataclass
class Component:
    name: str
    pid: int
    argv: list[str]
    url: str
    ready_path: str
    log: str


@dataclass
class StackState:
    options: dict[str, Any]
    components: list[Component] = field(default_factory=list)
    started_at: str = ""
    startup_seconds: float = 0.0

    def component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    @property
    def prometheus_url(self) -> str:
        return self.component("prometheus").url

    def to_json(self) -> str:
        return json.dumps({"schema": STATE_SCHEMA, **asdict(self)}, indent=2) + "\n"


def state_path(work_dir: Path) -> Path:
    return Path(work_dir) / STATE_FILE


def load_state(work_dir: Path) -> StackState | None:
    path = state_path(work_dir)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != STATE_SCHEMA:
            raise ValueError(f"schema is {data.get('schema')!r}, expected {STATE_SCHEMA}")
        return StackState(
            options=data["options"],
            components=[Component(**c) for c in data["components"]],
            started_at=data["started_at"],
            startup_seconds=data["startup_seconds"],
        )
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(
            f"{path}: not a stack state file ({err}). Fix: stop the processes it lists by hand, then delete the file."
        ) from None
