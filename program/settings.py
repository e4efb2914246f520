"""Stack configuration of the Pulumi program (namespace `paved-road`), read once in __main__.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi

from companyos.contracts.errors import UserError

CONFIG_NAMESPACE = "paved-road"


@dataclass(frozen=True)
class StackSettings:
    catalog_path: Path
    service: str | None
    """The stanza this stack provisions (stack `<service>-<environment>`); None = the whole catalogue."""
    environment: str
    release_record: Path | None
    """Explicit record for the selected service; otherwise `<releases_dir>/<service>.json` if it exists."""
    releases_dir: Path
    manage_repository: bool
    github_org: str

    def release_path_for(self, service: str) -> Path | None:
        if self.release_record is not None and service == self.service:
            return self.release_record
        candidate = self.releases_dir / f"{service}.json"
        return candidate if candidate.exists() else None


def read_stack_settings(project_dir: Path) -> StackSettings:
    config = pulumi.Config(CONFIG_NAMESPACE)
    github = pulumi.Config("github")
    stack = pulumi.get_stack()
    service = config.get("service") or None
    environment = config.get("environment") or _environment_from_stack(stack, service)
    release = config.get("releaseRecord")
    if release and not service:
        raise UserError(
            "paved-road:releaseRecord is set but paved-road:service is not. Fix: "
            "`pulumi config set paved-road:service <name>` (one stack per service and environment)."
        )
    return StackSettings(
        catalog_path=project_dir / (config.get("catalog") or "services.yaml"),
        service=service,
        environment=environment,
        release_record=(project_dir / release) if release else None,
        releases_dir=project_dir / (config.get("releasesDir") or "releases"),
        manage_repository=config.get_bool("manageRepository") is not False,
        github_org=config.get("githubOrg") or github.get("owner") or "paved-road",
    )


def _environment_from_stack(stack: str, service: str | None) -> str:
    """`hello-prod-dev` with service `hello-prod` -> `dev`; anything else -> the stack name itself."""
    if service and stack.startswith(service + "-"):
        return stack[len(service) + 1 :]
    return stack
