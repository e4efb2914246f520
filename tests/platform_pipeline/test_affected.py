"""`companyos affected BASE HEAD` on real git history: each kind of change lists exactly the stacks it can change,
and what it cannot place (an unknown path, a link into docs/, a broken catalogue before) counts as every stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from companyos.contracts.errors import UserError
from companyos.platform_pipeline.affected import affected_between

CATALOG = """services:
  - name: orders-api
    owner: team-orders
    risk: medium
    data_classification: internal
  - name: pay
    owner: team-pay
    risk: high
    data_classification: confidential
"""
COMPANYOS = Path(sys.executable).with_name("companyos")


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}  # fmt: skip
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def commit(repo: Path, files: dict[str, str | None], message: str = "change") -> str:
    for path, text in files.items():
        target = repo / path
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    commit(
        tmp_path,
        {
            "services.yaml": CATALOG,
            "__main__.py": "print('program')\n",
            "components/service.py": "X = 1\n",
            "docs/guide.md": "# guide\n",
            "docs/snippet.py": "Y = 1\n",
            "Pulumi.yaml": "name: paved-road\n",
        },
        "base",
    )
    return tmp_path


def stacks(repo: Path, base: str = "HEAD~1", head: str = "HEAD") -> dict[str, list[str]]:
    return affected_between(repo, base, head).stacks


def test_a_changed_stanza_affects_its_stack_only(repo: Path) -> None:
    commit(repo, {"services.yaml": CATALOG.replace("risk: medium", "risk: high")})
    assert stacks(repo) == {"orders-api-dev": ["services.yaml: stanza changed (risk)"]}


def test_an_added_stanza_affects_its_stack_and_moving_a_stanza_affects_nothing(repo: Path) -> None:
    added = CATALOG + "  - name: ledger\n    owner: team-pay\n    risk: low\n    data_classification: internal\n"
    commit(repo, {"services.yaml": added})
    assert stacks(repo) == {"ledger-dev": ["services.yaml: stanza added"]}
    head, tail = added.split("  - name: pay")
    commit(repo, {"services.yaml": "services:\n  - name: pay" + tail + head.removeprefix("services:\n")})
    assert stacks(repo) == {}


def test_a_removed_stanza_is_reported_not_previewed(repo: Path) -> None:
    commit(repo, {"services.yaml": CATALOG.split("  - name: pay")[0]})
    result = affected_between(repo, "HEAD~1", "HEAD")
    assert (result.stacks, result.removed) == ({}, ["pay"])


@pytest.mark.parametrize(
    "path", ["components/service.py", "__main__.py", "policypacks/paved-road/x.py", "scripts/new.sh"]
)
def test_what_every_stack_runs_or_an_unknown_path_affects_every_stack(repo: Path, path: str) -> None:
    commit(repo, {path: "changed\n"})
    assert sorted(stacks(repo)) == ["orders-api-dev", "pay-dev"]


def test_docs_and_tests_affect_nothing(repo: Path) -> None:
    commit(repo, {"docs/guide.md": "# changed\n", "tests/test_x.py": "def test(): pass\n", "README.md": "x\n"})
    assert stacks(repo) == {}


def test_moving_program_code_into_docs_is_seen_as_deleting_it(repo: Path) -> None:
    git(repo, "mv", "components/service.py", "docs/service.py")
    commit(repo, {})
    assert sorted(stacks(repo)) == ["orders-api-dev", "pay-dev"]


def test_a_docs_file_that_program_code_links_to_is_program_code(repo: Path) -> None:
    (repo / "components").mkdir(exist_ok=True)
    os.symlink("../docs/snippet.py", repo / "components" / "snippet.py")
    commit(repo, {}, "link")
    commit(repo, {"docs/snippet.py": "Y = 2\n"})
    assert sorted(stacks(repo)) == ["orders-api-dev", "pay-dev"]


def test_a_stack_file_or_a_release_record_affects_that_stack_only(repo: Path) -> None:
    commit(repo, {"Pulumi.pay-dev.yaml": "config: {}\n", "releases/orders-api.json": "{}\n"})
    assert stacks(repo) == {
        "pay-dev": ["Pulumi.pay-dev.yaml changed"],
        "orders-api-dev": ["releases/orders-api.json changed: the release it deploys"],
    }


@pytest.mark.parametrize(
    "path",
    ["releases/evil.json", "releases/pay/extra.json", "Pulumi.nosuch-dev.yaml", "Docs/guide.py", "docs.py"],
)
def test_a_path_that_only_looks_like_a_known_one_affects_every_stack(repo: Path, path: str) -> None:
    # A release record or stack file of no known stack, or a look-alike of an inert folder, is not placed:
    # default-deny, so every stack is previewed.
    commit(repo, {path: "x\n"})
    assert sorted(stacks(repo)) == ["orders-api-dev", "pay-dev"]


def test_an_invalid_catalogue_at_head_is_bad_input_not_an_empty_list(repo: Path) -> None:
    commit(repo, {"services.yaml": "services: [{name: Bad_Name}]\n"})
    with pytest.raises(UserError, match="services.yaml at"):
        affected_between(repo, "HEAD~1", "HEAD")


def test_a_catalogue_wide_setting_affects_every_stack(repo: Path) -> None:
    commit(repo, {"services.yaml": "defaults:\n  github_visibility: internal\n" + CATALOG})
    assert sorted(stacks(repo)) == ["orders-api-dev", "pay-dev"]


def test_a_catalogue_invalid_before_the_change_counts_every_stanza_as_added(repo: Path) -> None:
    commit(repo, {"services.yaml": "services: [{name: 1}]\n"}, "break")
    commit(repo, {"services.yaml": CATALOG}, "fix")
    assert sorted(stacks(repo)) == ["orders-api-dev", "pay-dev"]


def test_the_change_is_measured_from_the_merge_base_as_a_pull_request_diff_is(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-qb", "feature")
    commit(repo, {"services.yaml": CATALOG.replace("owner: team-pay", "owner: team-ledger")})
    git(repo, "checkout", "-q", "main")
    commit(repo, {"components/service.py": "X = 2\n"})  # landed on main meanwhile: not this change's
    assert stacks(repo, "main", "feature") == {"pay-dev": ["services.yaml: stanza changed (owner)"]}
    assert base


@pytest.mark.parametrize(
    ("base", "says"),
    [("nope", "BASE 'nope' is not a commit"), ("0" * 40, "all-zero commit GitHub sends for a new branch")],
)
def test_a_base_that_is_no_commit_is_refused_with_the_fix(repo: Path, base: str, says: str) -> None:
    with pytest.raises(UserError, match=says):
        affected_between(repo, base, "HEAD")


def test_the_cli_prints_the_matrix_as_json_and_exits_2_on_bad_input(repo: Path) -> None:
    commit(repo, {"services.yaml": CATALOG.replace("risk: medium", "risk: low")})
    done = subprocess.run(
        [str(COMPANYOS), "affected", "HEAD~1", "HEAD", "--repo", str(repo), "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["matrix"] == {"include": [{"stack": "orders-api-dev", "service": "orders-api", "environment": "dev"}]}
    assert report["any"] is True
    bad = subprocess.run(
        [str(COMPANYOS), "affected", "nope", "HEAD", "--repo", str(repo)], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "is not a commit" in bad.stderr
