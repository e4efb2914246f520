"""The service-name and owner rules have one owner, companyos.contracts.conventions; the data files that cannot
import it (the catalogue's and the exceptions' JSON Schemas, the template's copier.yml) must carry the same rule."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from companyos.contracts.conventions import (
    MAX_OWNER_LENGTH,
    MAX_SERVICE_NAME_LENGTH,
    OWNER_PATTERN,
    SERVICE_NAME_PATTERN,
    is_owner,
    is_service_name,
)
from tests.conftest import REPO_ROOT

CATALOG_SCHEMA = json.loads((REPO_ROOT / "companyos/catalog/services.schema.json").read_text())
STANZA = CATALOG_SCHEMA["$defs"]["service"]["properties"]


def test_the_catalogue_schema_carries_the_rules() -> None:
    assert (STANZA["name"]["pattern"], STANZA["name"]["maxLength"]) == (SERVICE_NAME_PATTERN, MAX_SERVICE_NAME_LENGTH)
    assert (STANZA["owner"]["pattern"], STANZA["owner"]["maxLength"]) == (OWNER_PATTERN, MAX_OWNER_LENGTH)


def test_the_exceptions_schema_scopes_services_by_the_same_name_rule() -> None:
    text = (REPO_ROOT / "companyos/policy_gate/policy-exceptions.schema.json").read_text()
    patterns = set(re.findall(r'"pattern": "([^"]+)"', text))
    assert SERVICE_NAME_PATTERN in patterns


def test_the_templates_copier_validator_uses_the_same_name_rule() -> None:
    copier = yaml.safe_load((REPO_ROOT / "service_templates/node-express/copier.yml").read_text())
    validator = copier["name"]["validator"]
    assert f"regex_search('{SERVICE_NAME_PATTERN}')" in validator
    assert f"name | length > {MAX_SERVICE_NAME_LENGTH}" in validator


@pytest.mark.parametrize(
    ("name", "valid"),
    [("orders-api", True), ("a", True), ("a" * 40, True), ("a" * 41, False), ("Orders", False), ("-x", False),
     ("x-", False), ("9lives", False), ("a_b", False), ("a.b", False), ("", False)],
)  # fmt: skip
def test_service_names(name: str, valid: bool) -> None:
    assert is_service_name(name) is valid


@pytest.mark.parametrize(
    ("owner", "valid"),
    [("team-payments", True), ("team_payments", True), ("9team", True), ("Team", False), ("team-", False),
     ("t" * 63, True), ("t" * 64, False), ("", False)],
)  # fmt: skip
def test_owners(owner: str, valid: bool) -> None:
    assert is_owner(owner) is valid
