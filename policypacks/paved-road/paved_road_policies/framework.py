"""What every rule shares: strict config, plain props with visible unknowns, findings with remediation.

pulumi-policy's defaults fail open in three places this module closes:
- a value unknown during preview raises `UnknownValueError` inside the props proxy, which the SDK turns into
  an ADVISORY "can't run policy during preview" note. Here props are copied out of the proxy first, unknowns
  become `Unknown` markers, and reading one where a rule needs a value is a finding at the rule's own level;
- the SDK never validates a policy's config (the CLI checks it against the schema, but other engines may not):
  here every call validates it against the rule's strict JSON schema and raises `PolicyConfigError`, which the
  SDK lets escape as a gRPC error (status UNKNOWN), so a bad config blocks whatever the enforcement level;
- a validate function that reports nothing passes: rules select their resource types explicitly and the pack's
  tests give every rule a fixture it must fail.

Cost: the SDK hands each policy its own freshly deserialized proxy tree, so per resource this module does as
little as it can on top: a rule whose type selector rejects the resource returns after the (cached) config
check, and props are copied out of the proxy only when a check first reads them.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

from .vendor.contracts.errors import UserError
from .vendor.policy_gate.exceptions import FILE_ENV as EXCEPTIONS_FILE_ENV
from .vendor.policy_gate.exceptions import FILE_NAME as EXCEPTIONS_FILE_NAME
from .vendor.policy_gate.exceptions import SELECTED_SERVICE_CONFIG, covers, load_exceptions, weakened_settings
from .vendor.support.jsonschema_import import jsonschema

# The engine marshals a value it cannot know yet (preview) as one of these strings (pulumi sdk/go/common/
# resource/plugin/rpc.go); pulumi_policy's proxy raises on them, we turn them into `Unknown` markers.
UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)

# The SDK's two proxy classes, found through its public constructor rather than imported by their private names:
# the hot path below dispatches on exact types.
_DICT_PROXY = type(unknown_checking_proxy({}))
_LIST_PROXY = type(unknown_checking_proxy({"list": []})["list"])
_PROXIES = (_DICT_PROXY, _LIST_PROXY)

FAMILIES = ("admission", "labels", "supply-chain", "pipeline", "kubernetes-hygiene", "pod-security", "stack")


@dataclass(frozen=True)
class Unknown:
    """A value the engine could not know during preview, at `path` in the resource's properties."""

    path: str

    def __str__(self) -> str:
        return f"<unknown during preview: {self.path}>"


class UnknownRequired(Exception):
    """A rule needed a value that is unknown during preview; the wrapper reports it as a violation."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class PolicyConfigError(Exception):
    """The policy config of a rule does not match its schema. Raised, never reported: it must block."""


def to_plain(value: Any) -> Any:
    """Copy props out of pulumi_policy's unknown-checking proxies into dicts/lists, unknowns as `Unknown`.

    The proxies are Mappings/Sequences whose item access raises on an unknown; `["__target"]` is the
    SDK's own unwrapping hook (pulumi_policy.deserialize uses it to serialize), so no unknown is read here.
    """
    return _plain(value, [])


def _plain(value: Any, steps: list[str | int]) -> Any:
    # The hot path of every check: exact-type dispatch for what the SDK builds (its two proxy classes over
    # dict/list/str/float/bool/None). `steps` holds keys (str) and list indices (int); the path text is only
    # built when an unknown is found.
    kind = type(value)
    if kind is _DICT_PROXY or kind is _LIST_PROXY:
        value = value["__target"]
        kind = type(value)
    if kind is str:
        return Unknown(_path_text(steps)) if value in UNKNOWN_SENTINELS else value
    if kind is float or kind is bool or value is None:
        return value
    if kind is dict:
        plain: dict[str, Any] = {}
        for key, item in value.items():
            key = key if type(key) is str else str(key)
            steps.append(key)
            plain[key] = _plain(item, steps)
            steps.pop()
        return plain
    if kind is list:
        items: list[Any] = []
        for index, item in enumerate(value):
            steps.append(index)
            items.append(_plain(item, steps))
            steps.pop()
        return items
    return _plain_other(value, steps)


def _plain_other(value: Any, steps: list[str | int]) -> Any:
    """Subclasses of the proxies, str, Mapping or Sequence: the slow path, same results."""
    if isinstance(value, _PROXIES):
        return _plain(value["__target"], steps)
    if isinstance(value, str):
        return Unknown(_path_text(steps)) if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        return _plain({key: value[key] for key in value}, steps)
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return _plain([value[index] for index in range(len(value))], steps)
    return value


def _path_text(steps: list[str | int]) -> str:
    """`.spec.containers[0].image`, `.` for the root."""
    text = "".join(f"[{step}]" if type(step) is int else f".{step}" for step in steps)
    return text or "."


def known(value: Any) -> Any:
    """`value`, or UnknownRequired if it is (or contains) a value unknown during preview."""
    unknown = first_unknown(value)
    if unknown is not None:
        raise UnknownRequired(unknown.path)
    return value


def first_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        return next((u for u in map(first_unknown, value.values()) if u is not None), None)
    if isinstance(value, list):
        return next((u for u in map(first_unknown, value) if u is not None), None)
    return None


def dig(value: Any, *keys: str | int, default: Any = None) -> Any:
    """Follow `keys` into nested dicts/lists; an unknown on the way (or at the end) raises UnknownRequired.

    A missing key gives `default`: absence is the rule's business (usually a violation), unknown is ours.
    """
    for key in keys:
        if isinstance(value, Unknown):
            raise UnknownRequired(value.path)
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and -len(value) <= key < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return default
    if isinstance(value, Unknown):
        raise UnknownRequired(value.path)
    return value


class Resource:
    """One resource as a rule sees it: plain props (inputs in Analyze, outputs in AnalyzeStack).

    Built from the SDK's proxy, `props` is copied out on first read: a stack rule reads the props of the few
    types it judges, not of every resource in the stack.
    """

    __slots__ = ("type", "name", "urn", "parent", "origin", "_props", "_source")

    def __init__(
        self,
        type: str,
        name: str,
        urn: str,
        props: dict[str, Any] | None = None,  # noqa: A002
        parent: str = "",
        *,
        source: Any = None,
        origin: str = "",
    ) -> None:
        self.type = type
        self.origin = origin
        """Empty for a registered resource; for an object a wrapper renders (rendered.py), which wrapper and where."""
        self.name = name
        self.urn = urn
        self.parent = parent
        self._props = props if source is None else None
        if self._props is None and source is None:
            self._props = {}
        self._source = source

    @property
    def props(self) -> dict[str, Any]:
        if self._props is None:
            plain = to_plain(self._source)
            self._props, self._source = (plain if isinstance(plain, dict) else {}), None
        return self._props

    def __repr__(self) -> str:
        return f"Resource(type={self.type!r}, name={self.name!r}, urn={self.urn!r}, parent={self.parent!r})"


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
        jsonschema.Draft202012Validator.check_schema(self.json_schema())

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
        """Defaults, overlaid with `raw`, validated; PolicyConfigError names every problem and the fix.

        The engine sends one config per run but the SDK hands (a copy of) it to every call: the last valid
        config of each rule is kept with a snapshot of its raw form, and a call whose raw config is the same
        (same types too: `True` is not `1` to a schema) gets the validated one back. It is read-only, so no
        rule can alter what the next call sees; an invalid config is never kept, so it raises every time.
        """
        given = raw if raw is not None else {}
        cached = _VALID_CONFIGS.get(self.name)
        # A weakened config was valid under the exceptions file of its check; a baseline one is valid under any.
        if cached is not None and _same(cached[0], given) and (cached[2] is None or cached[2] == _exceptions_source()):
            return cached[1]
        plain = self._validated(raw)
        validated = _read_only(plain)
        weakened = bool(weakened_settings(self.name, self.config, plain))
        try:
            _VALID_CONFIGS[self.name] = (
                copy.deepcopy(dict(given)),
                validated,
                _exceptions_source() if weakened else None,
            )
        except TypeError:  # a value deepcopy cannot copy (never JSON): validate such a config on every call
            _VALID_CONFIGS.pop(self.name, None)
        return validated

    def _validated(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        given = dict(raw or {})
        # The engine carries the level beside the properties; a config file may still repeat it here.
        given.pop("enforcementLevel", None)
        merged = {**self.defaults(), **given}
        errors = sorted(
            jsonschema.Draft202012Validator(self.json_schema()).iter_errors(merged),
            key=lambda e: list(map(str, e.absolute_path)),
        )
        problems = [f"{'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors]
        if not problems and self.config_check is not None:
            problems = self.config_check(merged)
        if not problems:
            problems = _unexcepted_weakenings(self.name, self.config, merged)
        if problems:
            raise PolicyConfigError(
                f"policy config for '{self.name}' is invalid: {'; '.join(problems)}. "
                f"Fix: edit the '{self.name}' entry of "
                f"the --policy-pack-config file (allowed keys: {', '.join(self.config) or 'none'}; see "
                f"docs/policies/{self.name}.md)."
            )
        return merged

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
        """The SDK policy object the PolicyPack serves; the level is explicit, never the pack default."""
        schema = PolicyConfigSchema(
            properties={k: dict(v) for k, v in self.config.items()}, required=list(self.required) or None
        )
        common: dict[str, Any] = dict(
            name=self.name,
            description=self.description,
            enforcement_level=self.enforcement_level,
            config_schema=schema,
            remediation_steps=re.sub(r"\{(\w+)\}", r"<\1>", self.remediation),
            tags=[self.family],
            url=f"docs/policies/{self.name}.md",
        )
        if self.stack:
            return StackValidationPolicy(validate=self._validate_stack, **common)
        return ResourceValidationPolicy(validate=self._validate_resource, **common)

    def _validate_resource(self, args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        config = self.load_config(args.get_config())
        if not self.selects.matches(args.resource_type) and args.resource_type not in RENDERABLE_TYPES:
            return
        resource = Resource(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            source=args.props,
            parent=args.opts.parent or "" if args.opts is not None else "",
        )
        for subject, finding in self.subject_findings(resource, config):
            if finding.waiver:
                args.not_applicable(f"{WAIVER_PREFIX} {finding.message}")
            else:
                report_violation(self.message(finding, service_of(subject)), None)

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

    def _validate_stack(self, args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config = self.load_config(args.get_config())
        resources = [
            Resource(
                type=r.resource_type,
                name=r.name,
                urn=r.urn,
                source=r.props,
                parent=r.parent.urn if r.parent is not None else "",
            )
            for r in args.resources
        ]
        by_urn = {r.urn: r for r in resources}
        for finding in self.findings(resources, config):
            subject = by_urn.get(finding.urn or "")
            report_violation(
                self.message(finding, service_of(subject) if subject else "<service>"), finding.urn or None
            )


_VALID_CONFIGS: dict[str, tuple[Any, Mapping[str, Any], str | None]] = {}
PACK_DIR = Path(__file__).resolve().parent.parent


def _unexcepted_weakenings(rule: str, schema: Mapping[str, Mapping[str, Any]], config: Mapping[str, Any]) -> list[str]:
    """A setting weaker than its default needs an exception in force, here as in the gate (companyos.policy_gate.
    exceptions): under `pulumi preview` the pack is the only place that sees the config. The exceptions are the
    gate's (FILE_ENV) or the platform's file beside the pack; the service, the stack's `paved-road:service`."""
    weakened = weakened_settings(rule, schema, config)
    if not weakened:
        return []
    try:
        exceptions = _exceptions_in_force()
    except UserError as error:
        return [str(error)]
    selected = stack_config().get(SELECTED_SERVICE_CONFIG)
    services = {selected} if isinstance(selected, str) and selected else set()
    return [
        f"{w.setting}: {w.detail} weakens the baseline and no exception in force covers it (rule {rule}, "
        f"setting {w.setting}{', service ' + selected if selected else ''})"
        for w in weakened
        if not any(covers(e, w, services) for e in exceptions)
    ]


_EXCEPTIONS: dict[str, list[Any]] = {}


def _exceptions_path() -> Path:
    return Path(os.environ.get(EXCEPTIONS_FILE_ENV) or PACK_DIR / EXCEPTIONS_FILE_NAME)


def _exceptions_source() -> str:
    """The exceptions file and its version (size, mtime): a config validated under one is not valid under another."""
    path = _exceptions_path()
    try:
        stat = path.stat()
    except OSError:
        return f"{path}@absent"
    return f"{path}@{stat.st_size}:{stat.st_mtime_ns}"


def _exceptions_in_force() -> list[Any]:
    source = _exceptions_source()
    if source not in _EXCEPTIONS:
        path = _exceptions_path()
        _EXCEPTIONS[source] = load_exceptions(path, rules=None, today=date.today()) if path.is_file() else []
    return _EXCEPTIONS[source]


def stack_config() -> dict[str, Any]:
    """The stack's config, as the engine hands a pack its stack config (PULUMI_CONFIG)."""
    try:
        config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        return {}
    return config if isinstance(config, dict) else {}


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (`==` alone has 1 == 1.0 == True). Runs once per rule
    per resource, hence the loops instead of all(generator)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        if len(a) != len(b):
            return False
        for key, value in a.items():
            if key not in b or not _same(value, b[key]):
                return False
        return True
    if kind is list:
        if len(a) != len(b):
            return False
        for left, right in zip(a, b, strict=True):
            if not _same(left, right):
                return False
        return True
    return bool(a == b)


def _read_only(value: Any) -> Any:
    """A validated config as read-only views: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: _read_only(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_read_only(item) for item in value)
    return value


class _Defaulting(dict):  # str.format_map: leave unknown placeholders readable instead of raising KeyError
    def __missing__(self, key: str) -> str:
        return "<" + key + ">"


SERVICE_LABEL = "app.kubernetes.io/name"
WAIVER_PREFIX = "waived:"  # companyos.policy_gate.model.WAIVER_PREFIX (the pack does not import the gate)


def service_of(resource: Resource) -> str:
    """The catalogue stanza a resource belongs to: its app.kubernetes.io/name label, else its name."""
    metadata = resource.props.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    name = labels.get(SERVICE_LABEL) if isinstance(labels, dict) else None
    if isinstance(name, str) and name:
        return name
    if "$paved-road:index:" in resource.parent:  # a child of a paved-road component is named after the stanza
        return resource.parent.rsplit("::", 1)[-1]
    if resource.type == "github:index/repository:Repository" and isinstance(resource.props.get("name"), str):
        return resource.props["name"]
    if isinstance(resource.props.get("repository"), str):
        return resource.props["repository"]
    return resource.name


# Last: rendered.py builds on the names above (Resource, Unknown, dig), and the Analyze wrapper uses it.
from .rendered import RENDERABLE_TYPES, RenderError, rendered_objects  # noqa: E402
