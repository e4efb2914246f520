"""Every case of every rule file (tests/policies/<family>/<rule>.yaml) against its rule: a `pass` case must get no
violation of the rule, any other the violation its `expect` names (URN fragment, message part, rule's level)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.cases import Case, CaseError, all_cases, check_case, load_cases


@pytest.mark.parametrize("case", all_cases(), ids=lambda case: case.id)
def test_each_case_passes_or_fails_its_rule_as_its_rule_file_says(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("patch: [{op: test, path: /props/kind, value: Pod}]\n    expect: pass", "case x: the patch does not apply"),
        ("patch: [{op: remove, path: /props/nothing}]\n    expect: pass", "case x: the patch does not apply"),
        ("patch: [{op: add, path: /props/x, value: !generated nope}]\n    expect: pass", "no generated value `nope`"),
        ("expect: {says: something}", "case x: `expect` is `pass` or {urn:"),
        ("patch: []", "case x: says nothing it must `expect`"),
        ("resources: [Deployment::nowhere]\n    expect: pass", "`Deployment::nowhere` is neither a key nor a group"),
    ],
    ids=["test-op-fails", "path-missing", "unknown-generated-value", "expect-without-urn", "no-expect", "unknown-key"],
)
def test_a_rule_file_that_cannot_be_read_as_written_is_an_error_naming_it_and_its_case(
    tmp_path: Path, case: str, says: str
) -> None:
    path = tmp_path / "container-probes.yaml"
    path.write_text(f"resources: [Deployment::hello-prod-deployment]\ncases:\n  x:\n    {case}\n", encoding="utf-8")
    with pytest.raises(CaseError, match="container-probes.yaml") as raised:
        load_cases(path)
    assert says in str(raised.value)
