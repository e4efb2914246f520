"""Template development: an edited template scaffolds without a VERSION bump (dev mode), release tags stay immutable,
and template folders sharing one cache each publish into their own repository."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from companyos.scaffolding.template import (
    BUNDLED_TEMPLATE_DIR,
    TEMPLATE_DEV_ENV,
    default_published_dir,
    publication_of,
    publish_template,
    source_key,
    templates_cache,
)

from .conftest import Companyos, commit_all, git, leftovers, template_copy

README = Path("template") / "README.md.jinja"


def edit(source: Path, marker: str) -> None:
    path = source / README
    path.write_text(path.read_text() + f"\n{marker}\n")


def answers(service: Path) -> dict[str, str]:
    return yaml.safe_load((service / ".copier-answers.yml").read_text())


def scaffold(companyos: Companyos, name: str, source: Path, *flags: str) -> tuple[int, str]:
    result = companyos("new-service", name, "--owner", "team-x", "--no-register", "--template", str(source), *flags)
    return result.code, result.out + result.err


def test_an_edited_template_scaffolds_in_dev_mode_without_a_version_bump_and_the_release_stays_as_published(
    workspace: Path, companyos: Companyos, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = template_copy(tmp_path_factory.mktemp("dev") / "node-express", "0.1.0")
    code, output = scaffold(companyos, "released", source)
    assert code == 0, output
    release_repo = default_published_dir(source)
    assert answers(workspace / "released")["_commit"] == "v0.1.0"
    assert Path(answers(workspace / "released")["_src_path"]) == release_repo

    edit(source, "EDITED-IN-DEV-MODE")
    # The release protection stands: same VERSION, other content, no dev mode.
    code, output = scaffold(companyos, "refused", source)
    assert code == 2 and "bump VERSION" in output and "--template-dev" in output
    assert not (workspace / "refused").exists() and leftovers(workspace) == []

    code, output = scaffold(companyos, "dev-one", source, "--template-dev")
    assert code == 0, output
    dev_answers = answers(workspace / "dev-one")
    tree = git(default_published_dir(source, dev=True), "rev-parse", f"{dev_answers['_commit']}^{{tree}}").strip()
    assert dev_answers["_commit"] == f"v0.1.0-dev.{tree[:12]}"
    assert Path(dev_answers["_src_path"]) == default_published_dir(source, dev=True) != release_repo
    assert "EDITED-IN-DEV-MODE" in (workspace / "dev-one" / "README.md").read_text()
    assert "EDITED-IN-DEV-MODE" not in (workspace / "released" / "README.md").read_text()
    # Users of the published version are unaffected: the release repository holds v0.1.0 alone, unchanged.
    assert git(release_repo, "tag", "--list").split() == ["v0.1.0"]
    assert "EDITED-IN-DEV-MODE" not in git(release_repo, "show", f"v0.1.0:{README}")

    # The environment variable is the same switch; the same content is the same tag (nothing republished).
    monkeypatch.setenv(TEMPLATE_DEV_ENV, "1")
    code, output = scaffold(companyos, "dev-two", source)
    assert code == 0, output
    assert answers(workspace / "dev-two")["_commit"] == dev_answers["_commit"]
    edit(source, "EDITED-AGAIN")
    code, output = scaffold(companyos, "dev-three", source)
    assert code == 0, output
    third = answers(workspace / "dev-three")["_commit"]
    assert third.startswith("v0.1.0-dev.") and third != dev_answers["_commit"]
    assert "EDITED-AGAIN" in (workspace / "dev-three" / "README.md").read_text()


def test_update_service_moves_a_dev_generated_service_to_the_edited_working_tree(
    workspace: Path, companyos: Companyos, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = template_copy(tmp_path_factory.mktemp("dev-update") / "node-express", "0.1.0")
    code, output = scaffold(companyos, "orders-api", source, "--template-dev")
    assert code == 0, output
    service = workspace / "orders-api"
    git(service, "init", "--quiet", "--initial-branch=main")
    commit_all(service, "generated in dev mode")
    before = answers(service)["_commit"]

    edit(source, "SECOND-DRAFT")
    result = companyos("update-service", str(service))

    assert result.code == 0, result.err
    after = answers(service)["_commit"]
    assert after.startswith("v0.1.0-dev.") and after != before
    assert f"{before} -> {after}" in result.out
    assert "SECOND-DRAFT" in (service / "README.md").read_text()


def test_two_template_folders_with_the_same_version_and_other_content_share_a_cache_without_colliding(
    workspace: Path, companyos: Companyos, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Two checkouts at VERSION 0.1.0 whose templates differ (a branch in progress): each its own publication."""
    first = template_copy(tmp_path_factory.mktemp("checkout-a") / "node-express", "0.1.0")
    second = template_copy(tmp_path_factory.mktemp("checkout-b") / "node-express", "0.1.0")
    edit(second, "ONLY-IN-CHECKOUT-B")

    assert scaffold(companyos, "from-a", first)[0] == 0
    code, output = scaffold(companyos, "from-b", second)

    assert code == 0, output
    src_a, src_b = (Path(answers(workspace / name)["_src_path"]) for name in ("from-a", "from-b"))
    assert src_a != src_b and src_a.parent.parent == src_b.parent.parent == templates_cache()
    assert answers(workspace / "from-a")["_commit"] == answers(workspace / "from-b")["_commit"] == "v0.1.0"
    assert "ONLY-IN-CHECKOUT-B" in (workspace / "from-b" / "README.md").read_text()
    assert "ONLY-IN-CHECKOUT-B" not in (workspace / "from-a" / "README.md").read_text()
    # Each publication records its folder, which update-service publishes again.
    origins = [publication_of(src) for src in (src_a, src_b)]
    assert [(origin.source, origin.dev) if origin else None for origin in origins] == [
        (first.resolve(), False),
        (second.resolve(), False),
    ]


def test_the_cache_key_is_the_template_folders_absolute_path(tmp_path: Path) -> None:
    assert default_published_dir() == templates_cache() / source_key(BUNDLED_TEMPLATE_DIR) / "node-express"
    assert default_published_dir(dev=True).name == "node-express-dev"
    assert source_key(tmp_path / "a") != source_key(tmp_path / "b")
    assert source_key(tmp_path / "a" / ".." / "a") == source_key(tmp_path / "a")


def test_dev_mode_refuses_a_repository_whose_tags_are_its_versions(
    workspace: Path, companyos: Companyos, tmp_path: Path
) -> None:
    repo = publish_template(template_copy(tmp_path / "src", "0.1.0"), tmp_path / "published").path
    code, output = scaffold(companyos, "orders-api", repo, "--template-dev")
    assert code == 2 and "template folder" in output and "Fix:" in output
    assert not (workspace / "orders-api").exists()
