"""docs/policies/ is generated from the rules' metadata; the committed pages must equal the generator's output."""

from __future__ import annotations

from pathlib import Path

from tests.policies.harness import REPO_ROOT, RULES

from paved_road_policies import docs  # noqa: E402 (harness puts the pack on sys.path)

COMMITTED = REPO_ROOT / "docs" / "policies"


def test_the_committed_policy_docs_equal_the_generated_ones() -> None:
    assert docs.differences(COMMITTED) == [], "run `python -m paved_road_policies.docs` in policypacks/paved-road"


def test_every_rule_has_a_page_with_its_level_config_keys_and_remediation() -> None:
    for rule in RULES:
        page = (COMMITTED / f"{rule.name}.md").read_text(encoding="utf-8")
        assert f"**{rule.enforcement_level.value.upper()}**" in page
        assert all(f"`{key}`" in page for key in rule.config)
        assert rule.remediation.split("{")[0][:40] in page


def test_the_check_mode_names_a_stale_page_and_a_page_no_rule_generates(tmp_path: Path) -> None:
    docs.write(tmp_path)
    assert docs.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "container-probes.md").write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "retired-rule.md").write_text("old\n", encoding="utf-8")
    assert docs.differences(tmp_path) == [
        "container-probes.md: stale or missing",
        "retired-rule.md: no rule generates it",
    ]
    assert docs.main(["--check", "--out", str(tmp_path)]) == 1
