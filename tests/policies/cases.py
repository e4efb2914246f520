"""The policy cases: one YAML file per rule (tests/policies/<family folder>/<rule>.yaml), named JSON Patches of
the shared base resources of tests/policies/bases/ (format: tests/policies/README.md). `load_case` / `all_cases`
read them for every test that needs one; `run_case` / `check_case` run one through the harness under the
reviewed exceptions the fixtures need.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpatch
import yaml
from pulumi_policy import EnforcementLevel
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from tests.policies.harness import PolicyResult, assert_has_violation, assert_no_violations, run_rules

from paved_road_policies.registry import RULES, rule  # the harness puts the pack on sys.path

POLICIES_DIR = Path(__file__).resolve().parent
EXCEPTIONS_ENV = "PAVED_ROAD_POLICY_EXCEPTIONS"  # companyos.policy_gate.exceptions.FILE_ENV

# --- reading the rule files ------------------------------------------------------------------------------

Resource = dict[str, Any]
BASES_DIR = POLICIES_DIR / "bases"
# Each family's folder, from the pack's registry: `supply-chain` -> tests/policies/supply_chain/.
FAMILY_FOLDERS: dict[str, str] = {r.family: r.family_folder for r in RULES}
PASS = "pass"
_RULE_KEYS = {"resources", "config", "cases"}
_CASE_KEYS = {"resources", "patch", "config", "expect"}
_EXPECT_KEYS = {"urn", "says", "level"}
_CASE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class CaseError(ValueError):
    """A rule file or base that cannot be read as the README describes; the message names the file and case."""


@dataclass(frozen=True)
class Expect:
    """What a bad case must produce: a violation on a URN containing `urn`, saying `says`, at `level` (None: the
    rule's default level)."""

    urn: str
    says: str
    level: EnforcementLevel | None = None


@dataclass(frozen=True)
class Generated:
    """`!generated <name>`: a value regenerate_fixtures.py wrote under `values` in a base."""

    name: str


class _CaseYaml(yaml.SafeLoader):
    """YAML plus `!generated <name>` and `!unknown` (the engine's sentinel for a value unknown during preview)."""


def _generated(loader: yaml.SafeLoader, node: yaml.Node) -> Generated:
    if not isinstance(node, yaml.ScalarNode):
        raise CaseError(f"!generated takes a value's name, not a {node.id} ({node.start_mark})")
    return Generated(str(loader.construct_scalar(node)))


_CaseYaml.add_constructor("!generated", _generated)
_CaseYaml.add_constructor("!unknown", lambda loader, node: UNKNOWN_STRING_VALUE)


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_CaseYaml)


@dataclass(frozen=True)
class _Bases:
    resources: dict[str, tuple[str, Resource]]  # key -> (base file stem, resource)
    groups: dict[str, tuple[str, list[str]]]  # name -> (base file stem, keys)
    values: dict[str, Any]


@functools.cache
def _bases() -> _Bases:
    """Every file in tests/policies/bases/: `resources` by key, `groups` of keys, generated `values`."""
    bases = _Bases({}, {}, {})
    for path in sorted(BASES_DIR.glob("*")):
        if path.suffix not in (".json", ".yaml"):
            continue
        data = _read(path)
        for section, into in (("resources", bases.resources), ("groups", bases.groups), ("values", bases.values)):
            for key, value in (data.get(section) or {}).items():
                if key in bases.resources or key in bases.groups or key in bases.values:
                    raise CaseError(f"{path.name}: `{key}` is defined in two bases")
                into[key] = value if section == "values" else (path.stem, value)
    return bases


def _resolve(value: Any, where: str) -> Any:
    """The data with every `!generated <name>` replaced by its value."""
    if isinstance(value, Generated):
        values = _bases().values
        if value.name not in values:
            raise CaseError(
                f"{where}: no generated value `{value.name}` in tests/policies/bases/; "
                "add it to regenerate_fixtures.py and run it"
            )
        return json.loads(json.dumps(values[value.name]))
    if isinstance(value, dict):
        return {k: _resolve(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, where) for v in value]
    return value


def resource_key(resource: Mapping[str, Any]) -> str:
    """`<Type>::<name>`, e.g. `Deployment::hello-prod-deployment`: how a base keys its resources."""
    return f"{str(resource['type']).rsplit(':', 1)[-1]}::{resource['name']}"


def _expand(entries: Any, where: str) -> tuple[dict[str, Resource], frozenset[str]]:
    """`resources:` -> {key: resource} (fresh copies, in order) and the bases they come from."""
    if not isinstance(entries, list) or not entries:
        raise CaseError(f"{where}: `resources` must be a non-empty list of base keys, groups or resource objects")
    bases = _bases()
    keys: list[tuple[str, str, Resource]] = []
    for entry in entries:
        if isinstance(entry, str) and entry in bases.groups:
            source, members = bases.groups[entry]
            keys += [(member, source, bases.resources[member][1]) for member in members]
        elif isinstance(entry, str) and entry in bases.resources:
            keys.append((entry, *bases.resources[entry]))
        elif isinstance(entry, dict) and {"type", "name", "urn", "props"} <= set(entry):
            keys.append((resource_key(entry), "inline", entry))
        else:
            raise CaseError(f"{where}: `{entry}` is neither a key nor a group of tests/policies/bases/, nor a resource")
    resources: dict[str, Resource] = {}
    for key, _, resource in keys:
        if key in resources:
            raise CaseError(f"{where}: `{key}` is listed twice")
        resources[key] = json.loads(json.dumps(resource))
    return resources, frozenset(source for _, source, _ in keys)


@dataclass(frozen=True)
class Case:
    """One named case of a rule file: the resources (patched) and config to run its rule on, and what it must say."""

    rule: str
    name: str
    path: Path
    expect: Expect | None  # None: the rule must report nothing
    bases: frozenset[str]  # the base files (stems) its resources come from; "inline" for objects in the rule file
    resources_json: str = field(repr=False)
    config_json: str = field(repr=False)

    @property
    def id(self) -> str:
        return f"{self.rule}/{self.name}"

    @property
    def good(self) -> bool:
        return self.expect is None

    @property
    def resources(self) -> list[Resource]:
        """A fresh copy on every read: a test may change it."""
        return list(json.loads(self.resources_json))

    @property
    def config(self) -> dict[str, Any]:
        """The --policy-pack-config document: the rule file's `config`, the case's entries replacing whole entries."""
        return dict(json.loads(self.config_json))


def _expect(raw: Any, where: str) -> Expect | None:
    if raw == PASS:
        return None
    if not isinstance(raw, dict) or not {"urn", "says"} <= set(raw) or set(raw) - _EXPECT_KEYS:
        raise CaseError(f"{where}: `expect` is `pass` or {{urn: <URN fragment>, says: <message part>, level?: ...}}")
    return Expect(str(raw["urn"]), str(raw["says"]), EnforcementLevel(raw["level"]) if "level" in raw else None)


def _patched(resources: dict[str, Resource], ops: Any, where: str) -> list[Resource]:
    """Apply the case's JSON Patch to its one resource, or to {key: resource} when it has several."""
    single = len(resources) == 1
    document: Any = next(iter(resources.values())) if single else resources
    if ops is not None:
        if not isinstance(ops, list):
            raise CaseError(f"{where}: `patch` must be a list of JSON Patch (RFC 6902) operations")
        try:
            document = jsonpatch.JsonPatch(ops).apply(document, in_place=True)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, KeyError, TypeError) as error:
            target = "its resource" if single else "{<key>: resource}"
            raise CaseError(f"{where}: the patch does not apply to {target}: {error}") from error
    return [document] if single else list(document.values())


def load_cases(path: Path) -> list[Case]:
    """Every case of one rule file (`<family folder>/<rule>.yaml`)."""
    where = str(path.relative_to(POLICIES_DIR)) if path.is_relative_to(POLICIES_DIR) else str(path)
    data = _resolve(_read(path), where)
    if not isinstance(data, dict) or set(data) - _RULE_KEYS or not isinstance(data.get("cases"), dict):
        raise CaseError(f"{where}: a rule file has `cases` and may have `resources` and `config` (only)")
    cases = []
    for name, raw in data["cases"].items():
        at = f"{where}, case {name}"
        if not _CASE_NAME.fullmatch(str(name)) or not isinstance(raw, dict) or set(raw) - _CASE_KEYS:
            raise CaseError(
                f"{at}: a case is named [a-z0-9-] and has `expect`, optional `resources`, `patch`, `config`"
            )
        if "expect" not in raw:
            raise CaseError(f"{at}: says nothing it must `expect` (pass, or the violation)")
        if "resources" not in raw and "resources" not in data:
            raise CaseError(f"{at}: no `resources`, neither the case's nor the rule file's")
        resources, bases = _expand(raw.get("resources", data.get("resources")), at)
        config = {**(data.get("config") or {}), **(raw.get("config") or {})}
        cases.append(
            Case(
                rule=path.stem,
                name=str(name),
                path=path,
                expect=_expect(raw["expect"], at),
                bases=bases,
                resources_json=json.dumps(_patched(resources, raw.get("patch"), at)),
                config_json=json.dumps(config),
            )
        )
    return cases


def rule_file(rule_name: str) -> Path:
    """Where a rule's cases live: tests/policies/<its family's folder>/<rule>.yaml."""
    return POLICIES_DIR / FAMILY_FOLDERS[rule(rule_name).family] / f"{rule_name}.yaml"


def rule_files() -> list[Path]:
    """Every rule file present in the family folders (test_pack_contract checks they name the pack's rules)."""
    return sorted(
        path for folder in dict.fromkeys(FAMILY_FOLDERS.values()) for path in (POLICIES_DIR / folder).glob("*.yaml")
    )


@functools.cache
def _all_cases() -> tuple[Case, ...]:
    return tuple(case for path in rule_files() for case in load_cases(path))


def all_cases() -> list[Case]:
    return list(_all_cases())


def load_case(rule_name: str, case_name: str) -> Case:
    """One case by rule and name, e.g. load_case("image-signature-verified", "untrusted-key")."""
    for case in _all_cases():
        if (case.rule, case.name) == (rule_name, case_name):
            return case
    raise KeyError(f"{rule_file(rule_name).relative_to(POLICIES_DIR)} has no case `{case_name}`")


# --- running a case ----------------------------------------------------------------------------------


# The waivers the fixtures' `.config.json` files apply, as the reviewed exceptions the pack needs to honour them
# (written with dates relative to today: an exception expires within 90 days).
FIXTURE_EXCEPTION_ENTRIES = [("image-vulnerability-threshold", "allow_unscanned")]


@contextlib.contextmanager
def fixture_exceptions() -> Iterator[Path]:
    """The pack (in this process) runs under the fixtures' exceptions for the duration."""
    from tests.conftest import write_exceptions

    with tempfile.TemporaryDirectory() as temp:
        path = write_exceptions(Path(temp) / "policy-exceptions.yaml", FIXTURE_EXCEPTION_ENTRIES)
        previous = os.environ.get(EXCEPTIONS_ENV)
        os.environ[EXCEPTIONS_ENV] = str(path)
        try:
            yield path
        finally:
            if previous is None:
                os.environ.pop(EXCEPTIONS_ENV, None)
            else:
                os.environ[EXCEPTIONS_ENV] = previous


def run_case(case: Case, *, only_its_rule: bool = True) -> PolicyResult:
    with fixture_exceptions():
        return run_rules(case.resources, case.config, [case.rule] if only_its_rule else None)


def check_case(case: Case) -> None:
    """A `pass` case: no violation of its rule. Any other: the violation its `expect` names, at the rule's level."""
    result = run_case(case)
    if case.expect is None:
        assert_no_violations(result)
        return
    level = case.expect.level or rule(case.rule).enforcement_level
    assert_has_violation(result, case.rule, case.expect.urn, case.expect.says, level=level)
