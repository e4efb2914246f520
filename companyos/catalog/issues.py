"""A problem found in the catalogue (file, line, service, field, what is allowed, the fix) and the error carrying them."""

from __future__ import annotations

from dataclasses import dataclass

from companyos.contracts.errors import UserError


@dataclass(frozen=True)
class Issue:
    """One problem in the catalogue. `field` is a dotted path inside the stanza (or the document)."""

    file: str
    line: int
    service: str | None
    field: str
    problem: str
    allowed: str | None
    fix: str

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f"service '{self.service}', " if self.service else ""
        text = f"{where}: {who}field '{self.field}': {self.problem}"
        if self.allowed:
            text += f"\n    allowed: {self.allowed}"
        return text + f"\n    fix: {self.fix}"


class CatalogError(UserError):
    """The catalogue is invalid; carries every issue found."""

    def __init__(self, path: str, issues: list[Issue]) -> None:
        self.path = path
        self.issues = issues
        count = len(issues)
        header = f"{path}: {count} problem{'s' if count != 1 else ''} in the service catalogue"
        super().__init__("\n".join([header, *(i.render() for i in issues)]), exit_code=2)
