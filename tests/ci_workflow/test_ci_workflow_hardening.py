"""The rendered workflow's hardening: every action pinned to a commit, least-privilege tokens, no secret or event
data where it could leak, nothing that continues on error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from companyos.ci_workflow import load_pins, unpinned_uses
from companyos.contracts.errors import UserError

from .conftest import all_steps, one_step


def test_every_uses_is_pinned_to_a_commit_with_the_release_tag_beside_it(rendered) -> None:
    pins = load_pins()
    tags = {pin.uses: pin.tag for pin in pins.actions.values()}
    uses_lines = re.findall(r"^\s*(?:- )?uses: (.*)$", rendered, re.MULTILINE)
    assert len(uses_lines) > 20
    assert unpinned_uses(rendered) == []
    for line in uses_lines:
        ref, _, comment = line.partition(" # ")
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), line
        assert comment == tags[ref], f"{ref} is {tags[ref]} in the pins file but the comment says {comment!r}"


def test_the_pins_file_holds_exactly_the_actions_the_workflow_uses(workflow) -> None:
    used = {step["uses"].split("@")[0] for _, step in all_steps(workflow) if "uses" in step}
    assert used == set(load_pins().actions)


@pytest.mark.parametrize(
    ("uses", "pinned"),
    [
        ("actions/checkout@v4", False),
        ("actions/checkout@main", False),
        ("actions/checkout@11bd719", False),
        ("actions/checkout@11BD71901BBE5B1630CEEA73D27597364C9AF683", False),
        ("actions/checkout", False),
        ("docker://alpine:3.20", False),
        ("github/codeql-action/init@11bd71901bbe5b1630ceea73d27597364c9af683", True),
        ("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", True),
        ("docker://alpine@sha256:" + "a" * 64, True),
        ("./.github/actions/local", True),
    ],
)
def test_unpinned_uses_flags_tags_branches_and_short_shas(uses: str, pinned: bool) -> None:
    text = yaml.safe_dump({"jobs": {"one": {"runs-on": "x", "steps": [{"uses": uses}]}, "two": {"uses": uses}}})
    assert unpinned_uses(text) == ([] if pinned else [uses, uses])


def test_no_job_or_step_may_continue_on_error(workflow) -> None:
    assert [job_id for job_id, job in workflow["jobs"].items() if "continue-on-error" in job] == []
    assert [(job_id, step.get("name")) for job_id, step in all_steps(workflow) if "continue-on-error" in step] == []


@pytest.mark.parametrize(
    ("job", "permissions"),
    [
        ("build", {"contents": "read", "packages": "write"}),
        ("test", {"contents": "read"}),
        ("sbom", {"contents": "read", "packages": "read"}),
        ("sign", {"contents": "read", "packages": "write"}),
        ("policy-gate", {"contents": "read", "pull-requests": "read"}),
        ("deploy", {"packages": "read"}),
        ("post-deploy", {}),
    ],
)
def test_each_job_gets_only_the_token_permissions_it_uses(workflow, job: str, permissions: dict[str, str]) -> None:
    assert workflow["jobs"][job]["permissions"] == permissions


def test_the_workflow_grants_nothing_by_default_and_no_job_mints_oidc_tokens(workflow, rendered) -> None:
    assert workflow["permissions"] == {}
    assert "id-token" not in rendered


def test_no_checkout_leaves_the_token_in_git_config(workflow) -> None:
    checkouts = [
        (job_id, step) for job_id, step in all_steps(workflow) if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert len(checkouts) >= 7
    assert [job_id for job_id, step in checkouts if step["with"].get("persist-credentials") is not False] == []


def test_no_run_script_expands_an_expression_so_event_data_only_arrives_through_env(workflow) -> None:
    offenders = [
        (job_id, step["name"]) for job_id, step in all_steps(workflow) if "run" in step and "${{" in step["run"]
    ]
    assert offenders == []


def test_the_job_that_publishes_the_image_uses_no_dependency_cache(workflow) -> None:
    setup = one_step(workflow, "build", uses="actions/setup-node")
    assert setup["with"] == {"node-version": "24", "package-manager-cache": False}


def test_the_signing_key_reaches_the_sign_job_only(workflow) -> None:
    holders = {job_id for job_id, step in all_steps(workflow) if "COSIGN_PRIVATE_KEY" in json.dumps(step)}
    assert holders == {"sign"}


def test_the_policy_gate_reads_pr_labels_only_through_env(workflow) -> None:
    step = one_step(workflow, "policy-gate", name_contains="policy config")
    assert step["env"]["PR_LABELS"] == "${{ toJSON(github.event.pull_request.labels.*.name) }}"
    assert "github.event" not in step["run"]


@pytest.mark.parametrize(
    ("pins_text", "message"),
    [
        (
            "actions:\n  actions/checkout: {sha: 11bd719, tag: v4.2.2, confirmed: x}\ntools: {}\n",
            "actions.actions/checkout.sha: '11bd719' is not a full 40-hex commit sha",
        ),
        (
            "actions:\n  actions/checkout: {sha: " + "a" * 40 + ", confirmed: x}\ntools: {}\n",
            "actions.actions/checkout.tag: missing",
        ),
        (
            "actions:\n  actions/checkout: {sha: " + "a" * 40 + ", tag: v1}\ntools: {}\n",
            "actions.actions/checkout.confirmed: missing",
        ),
        ("tools: {}\n", "actions: missing or empty"),
        ("actions: [\n", "not valid YAML"),
    ],
)
def test_a_pins_file_without_full_shas_tags_and_provenance_is_refused(
    tmp_path: Path, pins_text: str, message: str
) -> None:
    path = tmp_path / "pins.yaml"
    path.write_text(pins_text, encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(message)):
        load_pins(path)


def test_a_missing_pins_file_names_itself_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pins file is missing. Fix: restore it"):
        load_pins(tmp_path / "absent.yaml")
