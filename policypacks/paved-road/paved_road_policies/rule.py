"""A rule: its metadata (the single source of its docs page), its strict config, its check, and what it finds.

pulumi-policy passes a validate function that reports nothing; a rule here selects its resource types explicitly
and the pack's tests give every rule a fixture it must fail. A value the check needs but preview does not know is
a finding at the rule's own level, never the SDK's advisory note (props.py). How the config is validated is
rule_config.py; how the rule is served through the SDK is sdk_policy.py.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.proxy import UnknownValueError

from .props import UnknownRequired
from .rendered import RenderError, rendered_objects
from .resource import Resource
from .rule_config import load_config
from .sdk_policy import sdk_policy
from .vendor.contracts.policy_config_schema import check_config_schema

FAMILIES = ("admission", "labels", "supply-chain", "pipeline", "kubernetes-hygiene", "pod-security", "stack")


@dataclass(frozen=True)
class Finding:
    """One violation: what is wrong (naming the resource and the field), plus values for the rule's fix text."""

    message: str
    urn: str | None = None
    fix: Mapping[str, str] = field(default_factory=dict)
    remediate: bool = True
    """False when the message carries its own fix (unknown values): the rule's remediation would mislead."""
    waiver: bool = False
    """True: not a violation but a configured exception. Reported with `not_applicable("waived: ...")`, the
    convention the gate (companyos.policy_gate.model.WAIVER_PREFIX) lists as a waiver in its report."""


ResourceCheck = Callable[[Resource, Mapping[str, Any]], Iterable[Finding]]
StackCheck = Callable[[list[Resource], Mapping[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class TypeSelector:
    """Which resource types a resource rule's check can report on (its docs page lists them).

    The Analyze wrapper skips a resource whose type `matches` rejects before copying its props; the check
    keeps its own type guard, and a test runs every check on every type its selector rejects.
    """

    text: str
    matches: Callable[[str], bool]


ANY_TYPE = TypeSelector("every resource type", lambda type_token: True)


def of_types(*type_tokens: str) -> TypeSelector:
    """A selector for exactly these type tokens."""
    return TypeSelector(", ".join(f"`{token}`" for token in type_tokens), frozenset(type_tokens).__contains__)


@dataclass(frozen=True)
class Rule:
    """A rule's metadata (the single source of its docs) and its check.

    `remediation` is the rule's one fix text; `{service}` and any key a Finding puts in `fix` are filled in.
    `config` maps each config key to its JSON schema (with a default where optional); `required` lists
    keys that must be set. Unknown keys, wrong types and values outside enums are a PolicyConfigError.
    `selects` (resource rules) says which types the check can judge; other types skip the check, never the
    config validation, so an invalid config blocks even a stack without the rule's types.
    """

    name: str
    family: str
    description: str
    remediation: str
    check: ResourceCheck | StackCheck
    stack: bool = False
    applies_to: str = ""
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY
    config_check: Callable[[Mapping[str, Any]], list[str]] | None = None
    """Checks a schema cannot express (e.g. a PEM key parses); returns problems, each a sentence."""
    rationale: str = ""
    selects: TypeSelector = ANY_TYPE
    reference: str = ""
    """The outside standard the rule implements (a URL), cited on its docs page."""

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"rule {self.name}: family {self.family!r} is not one of {FAMILIES}")
        check_config_schema(self.json_schema())

    @property
    def family_folder(self) -> str:
        """The family as a Python identifier: the folder of its rule files under tests/policies/."""
        return self.family.replace("-", "_")

    # --- config ----------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        """The whole config object's schema: strict at every level the rule defines."""
        return {
            "type": "object",
            "properties": {k: dict(v) for k, v in self.config.items()},
            "required": list(self.required),
            "additionalProperties": False,
        }

    def defaults(self) -> dict[str, Any]:
        return {key: copy.deepcopy(schema["default"]) for key, schema in self.config.items() if "default" in schema}

    def load_config(self, raw: Mapping[str, Any] | None) -> Mapping[str, Any]:
        """Defaults, overlaid with `raw`, validated (cached per rule); PolicyConfigError names every problem."""
        return load_config(self, raw)

    # --- running -----------------------------------------------------------------------------------

    def findings(self, subject: Resource | list[Resource], config: Mapping[str, Any]) -> list[Finding]:
        """Run the check; a needed unknown value becomes a finding (never the SDK's advisory note)."""
        found: list[Finding] = []
        try:
            found.extend(self.check(subject, config))  # type: ignore[arg-type]
        except UnknownRequired as unknown:
            found.append(self._unknown_finding(subject, unknown.path))
        except UnknownValueError as unknown:  # a rule touched the SDK proxy directly: still not advisory
            found.append(self._unknown_finding(subject, "." + ".".join(unknown.props)))
        return found

    def _unknown_finding(self, subject: Resource | list[Resource], path: str) -> Finding:
        where = subject if isinstance(subject, Resource) else None
        what = f"{where.type} '{where.name}'" if where else "a resource of the stack"
        return Finding(
            f"UNKNOWN DURING PREVIEW: {path} of {what} has no value yet, so '{self.name}' cannot check it; "
            "the gate blocks what it cannot see. Fix: make this value a plain input known at preview (do not "
            "derive it from another resource's output), or run the gate where the value is known.",
            urn=where.urn if where else None,
            remediate=False,
        )

    def message(self, finding: Finding, service: str = "<service>") -> str:
        if not finding.remediate:
            return finding.message
        fix = self.remediation.format_map(_Defaulting({"service": service, **finding.fix}))
        return f"{finding.message}\nFix: {fix}"

    def policy(self) -> Policy:
        """The SDK policy object the PolicyPack serves (sdk_policy.py)."""
        return sdk_policy(self)

    def subject_findings(self, resource: Resource, config: Mapping[str, Any]) -> Iterator[tuple[Resource, Finding]]:
        """Findings on `resource` and on every object it renders inline (rendered.py), each judged as if it were
        registered on its own; a finding on a rendered object names the wrapper it came from."""
        subjects = [resource]
        # A wrapper whose objects cannot be read is reported by the rules that judge the wrapper's own type
        # (resource-judgeable-offline among them), not once by every rule.
        judges_wrapper = self.selects.matches(resource.type)
        try:
            subjects += rendered_objects(resource)
        except UnknownRequired as unknown:
            if judges_wrapper:
                yield resource, self._unknown_finding(resource, unknown.path)
        except RenderError as error:
            if judges_wrapper:
                yield (
                    resource,
                    Finding(
                        f"{resource.type} '{resource.name}': {error}, so the gate cannot judge the objects it would "
                        "write. Fix: give `yaml` as plain Kubernetes manifests or `objs` as a list of objects, each with "
                        "apiVersion, kind and metadata.",
                        remediate=False,
                    ),
                )
        for subject in subjects:
            if not self.selects.matches(subject.type):
                continue
            for finding in self.findings(subject, config):
                if subject.origin:
                    finding = replace(finding, message=f"rendered by {subject.origin}: {finding.message}")
                yield subject, finding


class _Defaulting(dict):  # str.format_map: leave unknown placeholders readable instead of raising KeyError
    def __missing__(self, key: str) -> str:
        return "<" + key + ">"
