"""`new-service`: render the paved-road template into PARENT/NAME, add its CI workflow, register it.

Nothing is half-written: the service is rendered into a temporary directory next to the target and
renamed into place only when complete, and the catalogue is rewritten (atomically) only after that. A
failure at any step removes what the earlier steps created.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from companyos.catalog.service_metadata import render_service_yaml
from companyos.ci_workflow import render_ci_workflow
from companyos.contracts.conventions import (
    MAX_SERVICE_NAME_LENGTH,
    SERVICE_METADATA_PATH,
    WORKFLOW_PATH,
    is_service_name,
)
from companyos.contracts.errors import UserError
from companyos.scaffolding.catalog import (
    Registration,
    ServiceAnswers,
    plan_registration,
    write_atomically,
)
from companyos.scaffolding.template import TEMPLATE_NAME, resolve_template_source

ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class NewService:
    path: Path
    template_src: str
    template_version: str
    registered_in: Path | None
    next_steps: list[str]


def check_name(name: str) -> None:
    if not is_service_name(name):
        suggestion = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        suggestion = re.sub(r"^[^a-z]+", "", suggestion)[:MAX_SERVICE_NAME_LENGTH].rstrip("-") or "my-service"
        raise UserError(
            f"service name '{name}' is not a DNS-1123 label of at most {MAX_SERVICE_NAME_LENGTH} characters "
            "(lower-case letters, digits and '-', starting with a letter, not ending with '-'). "
            f"Fix: use e.g. '{suggestion}'."
        )


def _check_target(parent: Path, name: str) -> Path:
    if not parent.is_dir():
        raise UserError(f"--dir {parent}: is not an existing directory. Fix: create it or pass another --dir.")
    target = parent / name
    if target.exists() or target.is_symlink():
        raise UserError(
            f"{target} already exists; nothing was written. Fix: choose another name or --dir, or remove the directory."
        )
    return target


def new_service(
    answers: ServiceAnswers,
    *,
    parent: Path = Path("."),
    catalog_path: Path = Path("services.yaml"),
    register: bool = True,
    template: str | None = None,
    template_ref: str | None = None,
    template_dev: bool = False,
) -> NewService:
    check_name(answers.name)
    target = _check_target(parent, answers.name)
    registration = plan_registration(catalog_path, answers, register=register)
    source = resolve_template_source(template, dev=template_dev)
    # A folder published here renders the version it holds (a dev tag is never a repository's "newest").
    ref = template_ref or (source.published.tag if source.published is not None else None)
    try:
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{answers.name}.", suffix=".new"))
    except OSError as exc:
        raise UserError(
            f"cannot create the service in {parent} ({exc.strerror}); nothing was written. Fix: pass a writable --dir."
        ) from None
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700; the service should get the usual mode
        version = _render(source.src, staging, answers, ref)
        _write_ci_workflow(staging, registration)
        (staging / SERVICE_METADATA_PATH).write_text(render_service_yaml(registration.spec), encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if registration.new_text is not None:
        try:
            write_atomically(registration.path, registration.new_text)
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise UserError(
                f"cannot write {registration.path} ({exc.strerror}); the service directory was removed "
                "again so nothing is half-done. Fix: make the catalogue writable and run again."
            ) from None
    return NewService(
        path=target,
        template_src=source.src,
        template_version=version,
        registered_in=registration.path if registration.new_text is not None else None,
        next_steps=next_steps(target, answers.name, version, registered=registration.new_text is not None),
    )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _render(src: str, destination: Path, answers: ServiceAnswers, ref: str | None) -> str:
    # Imported here: copier (with plumbum, jinja2, pydantic) takes ~0.7 s to import; other commands need not pay it.
    import copier
    from copier.errors import CopierError

    try:
        copier.run_copy(
            src,
            destination,
            data=answers.template_data(),
            vcs_ref=ref,
            defaults=True,
            overwrite=True,
            unsafe=False,
            quiet=True,
            cleanup_on_error=False,
        )
    except (CopierError, ValueError) as exc:
        raise UserError(
            f"rendering the {TEMPLATE_NAME} template from {src} failed: {exc}. "
            "Fix: check the option named in the message, or the --template/--template-ref."
        ) from None
    recorded = yaml.safe_load((destination / ANSWERS_FILE).read_text(encoding="utf-8")) or {}
    version = recorded.get("_commit")
    if not version:
        # Without a recorded version `copier update` cannot compute what changed: refuse now, not at the first update.
        raise UserError(
            f"template source {src} has no version tag, so the service could not be updated later. "
            "Fix: render from a tagged template repository or a template folder (omit --template to use "
            "this checkout's, published with its VERSION)."
        )
    return str(version)


def _write_ci_workflow(service_dir: Path, registration: Registration) -> None:
    # The same text the platform commits through Pulumi (render_ci_workflow is the one source).
    workflow = service_dir / WORKFLOW_PATH
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(
        render_ci_workflow(registration.spec, image_registry=registration.image_registry), encoding="utf-8"
    )


def next_steps(target: Path, name: str, version: str, *, registered: bool) -> list[str]:
    steps = [
        f"cd {target}",
        f"git init --initial-branch=main && git add --all && git commit -m 'Generated from {TEMPLATE_NAME} {version}'",
        "npm ci",
        "npm run dev        # http://localhost:<port>/hello, restarts on change",
        "npm test",
    ]
    if registered:
        steps += [
            "# back in the platform repository: review and merge the new services.yaml stanza, then",
            f"pulumi stack init {name}-dev && pulumi config set paved-road:service {name} && pulumi up",
        ]
    return steps
