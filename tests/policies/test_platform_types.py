"""The default allowlist of `resource-type-allowed` is exactly what the components create, kept in step by test."""

from __future__ import annotations

from tests.policies.harness import rule
from tests.policies.platform_types import TYPES_FILE, component_types, render


def test_the_committed_allowlist_equals_what_the_components_create_with_every_option_on() -> None:
    assert TYPES_FILE.read_text(encoding="utf-8") == render(component_types()), (
        "run `.venv/bin/python -m tests.policies.platform_types --write`"
    )


def test_the_rule_allows_exactly_the_committed_types_by_default() -> None:
    assert list(rule("resource-type-allowed").defaults()["allowed_types"]) == component_types()
    assert rule("resource-type-allowed").defaults()["additional_types"] == []
