"""`companyos update-service`: template releases reach generated services; overlapping edits are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from companyos.contracts.errors import UserError
from companyos.scaffolding.template import publish_template

from .conftest import Companyos, commit_all, git, template_copy

README = Path("template") / "README.md.jinja"
HELLO = Path("template") / "src" / "routes" / "hello.ts"
GREETING = "hello from"


@pytest.fixture
def template_repo(tmp_path: Path) -> tuple[Path, Path]:
    """(editable template source at 0.1.0, its published repository holding tag v0.1.0)."""
    source = template_copy(tmp_path / "template-src", "0.1.0")
    published = publish_template(source, tmp_path / "template-repo")
    assert published.tag == "v0.1.0" and published.created
    return source, published.path


def release(
    source: Path,
    repo: Path,
    version: str,
    edit: tuple[Path, str, str] | None = None,
    add: tuple[Path, str] | None = None,
) -> None:
    """Changes the template source and publishes it as `version`."""
    if edit:
        path, old, new = edit
        text = (source / path).read_text()
        assert old in text
        (source / path).write_text(text.replace(old, new))
    if add:
        (source / add[0]).write_text(add[1])
    (source / "VERSION").write_text(version + "\n")
    assert publish_template(source, repo).tag == f"v{version}"


@pytest.fixture
def generated(workspace: Path, companyos: Companyos, template_repo: tuple[Path, Path]) -> Path:
    """orders-api generated from v0.1.0 and committed, as its team would have it."""
    result = companyos("new-service", "orders-api", "--owner", "team-orders", "--template", str(template_repo[1]))
    assert result.code == 0, result.err
    service = workspace / "orders-api"
    git(service, "init", "--quiet", "--initial-branch=main")
    commit_all(service, "generated from v0.1.0")
    return service


def test_a_new_template_release_updates_a_generated_service_cleanly(
    generated: Path, companyos: Companyos, template_repo: tuple[Path, Path]
) -> None:
    source, repo = template_repo
    release(
        source,
        repo,
        "0.2.0",
        edit=(README, "## Run it", "Template 0.2.0 note.\n\n## Run it"),
        add=(Path("template") / "CHANGELOG.md", "# Changelog\n\n- 0.2.0: README note.\n"),
    )
    # The team's own change elsewhere in the file set must survive.
    hello = generated / "src" / "routes" / "hello.ts"
    hello.write_text(hello.read_text().replace(GREETING, "greetings from"))
    commit_all(generated, "our greeting")

    result = companyos("update-service", str(generated))

    assert result.code == 0, result.err
    assert "v0.1.0 -> v0.2.0" in result.out
    assert "Template 0.2.0 note." in (generated / "README.md").read_text()
    assert (generated / "CHANGELOG.md").is_file()
    assert "greetings from" in hello.read_text()
    assert (generated / ".github/workflows/ci.yml").is_file()
    assert yaml.safe_load((generated / ".copier-answers.yml").read_text())["_commit"] == "v0.2.0"
    assert "conflicts" not in result.err


def test_a_local_edit_that_overlaps_the_template_change_exits_1_and_names_the_file(
    generated: Path, companyos: Companyos, template_repo: tuple[Path, Path]
) -> None:
    source, repo = template_repo
    release(source, repo, "0.2.0", edit=(HELLO, GREETING, "hi from"))
    hello = generated / "src" / "routes" / "hello.ts"
    hello.write_text(hello.read_text().replace(GREETING, "greetings from"))
    commit_all(generated, "our greeting")

    result = companyos("update-service", str(generated))

    assert result.code == 1
    assert "conflicts in 1 file(s)" in result.err
    assert "  src/routes/hello.ts" in result.err.splitlines()
    text = hello.read_text()
    assert "<<<<<<< before updating" in text and "greetings from" in text and "hi from" in text


def test_updating_a_service_already_at_the_newest_release_changes_nothing(
    generated: Path, companyos: Companyos
) -> None:
    result = companyos("update-service", str(generated))
    assert result.code == 0, result.err
    assert "already at template v0.1.0" in result.out
    assert git(generated, "status", "--porcelain") == ""


def test_update_to_an_explicit_older_release_than_the_newest_is_honoured(
    generated: Path, companyos: Companyos, template_repo: tuple[Path, Path]
) -> None:
    source, repo = template_repo
    release(source, repo, "0.2.0", add=(Path("template") / "A.md", "a\n"))
    release(source, repo, "0.3.0", add=(Path("template") / "B.md", "b\n"))
    result = companyos("update-service", str(generated), "--to", "v0.2.0")
    assert result.code == 0, result.err
    assert (generated / "A.md").is_file() and not (generated / "B.md").exists()


@pytest.mark.parametrize(
    "prepare, message",
    [
        ("uncommitted", "has uncommitted changes (README.md)"),
        ("no-git", "is not in a git repository"),
        ("no-answers", "has no .copier-answers.yml"),
        ("missing-dir", "no such directory"),
    ],
)
def test_a_directory_copier_cannot_update_exits_2_with_the_fix(
    generated: Path, companyos: Companyos, prepare: str, message: str
) -> None:
    target = generated
    if prepare == "uncommitted":
        (generated / "README.md").write_text("edited\n")
    elif prepare == "no-git":
        shutil.rmtree(generated / ".git")
    elif prepare == "no-answers":
        (generated / ".copier-answers.yml").unlink()
        commit_all(generated, "drop answers")
    else:
        target = generated.parent / "nope"
    result = companyos("update-service", str(target))
    assert result.code == 2
    assert message in result.err and "Fix:" in result.err


def test_publishing_changed_content_under_a_published_version_is_refused(template_repo: tuple[Path, Path]) -> None:
    source, repo = template_repo
    assert publish_template(source, repo).created is False  # same content again: nothing to do
    (source / README).write_text((source / README).read_text() + "\nchanged\n")
    with pytest.raises(UserError, match="bump VERSION"):
        publish_template(source, repo)
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "tag", "--list").split() == ["v0.1.0"]
