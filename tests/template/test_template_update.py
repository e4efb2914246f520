"""`copier update` moves a generated service to a newer template tag without conflicts."""

from __future__ import annotations

from pathlib import Path

import copier
import yaml

from .conftest import git, publish_template, render

NEW_README_LINE = "Template v0.2.0 adds this line."


def test_copier_update_brings_a_new_template_revision_into_a_generated_service(tmp_path: Path) -> None:
    template = publish_template(tmp_path / "template", "v0.1.0")
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + f"\n{NEW_README_LINE}\n")
    (template / "template" / "CHANGELOG.md").write_text("# Changelog\n\n- v0.2.0: README note.\n")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", "template v0.2.0")
    git(template, "tag", "v0.2.0")

    service = render(template, tmp_path / "service", vcs_ref="v0.1.0")
    assert NEW_README_LINE not in (service / "README.md").read_text()
    # A service owner's own change must survive the update.
    (service / "src" / "routes" / "hello.ts").write_text(
        (service / "src" / "routes" / "hello.ts").read_text().replace("hello from", "greetings from")
    )
    git(service, "init", "--quiet", "--initial-branch=main")
    git(service, "add", "--all")
    git(service, "commit", "--quiet", "-m", "service generated from v0.1.0")

    copier.run_update(str(service), defaults=True, overwrite=True, unsafe=False, vcs_ref="v0.2.0", quiet=True)

    assert NEW_README_LINE in (service / "README.md").read_text()
    assert (service / "CHANGELOG.md").exists()
    assert "greetings from" in (service / "src" / "routes" / "hello.ts").read_text()
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v0.2.0"
    assert answers["name"] == "orders-api"
    files = [p for p in service.rglob("*") if p.is_file() and ".git" not in p.relative_to(service).parts]
    conflicts = [p for p in files if p.suffix == ".rej" or "<<<<<<<" in p.read_text()]
    assert conflicts == []
