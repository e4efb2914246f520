"""Policy configuration as the engine builds it before `Configure`, validated against each policy's schema.

Precedence (as `pulumi preview --policy-pack-config`): the schema's defaults, then the pack's initial config,
then the config file. The file has Pulumi's format: {"<policy>": "<level>"} or {"<policy>": {"enforcementLevel":
"<level>", "<prop>": value}}, and "all": "<level>" sets every policy's level. Every policy is then configured
with an EXPLICIT level: a Configure entry without one decodes as advisory in the pack (fail-open)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from companyos.contracts.errors import UserError
from companyos.contracts.policy_config_schema import check_config_schema, config_problems
from companyos.policy_gate.model import LEVELS
from companyos.support.jsonschema_import import jsonschema

LEVEL_FROM_PROTO = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
LEVEL_TO_PROTO = {name: value for value, name in LEVEL_FROM_PROTO.items()}
ALL = "all"


@dataclass
class PolicyDeclaration:
    """A policy as GetAnalyzerInfo declares it."""

    name: str
    description: str
    level: str
    policy_type: str
    schema_properties: dict[str, Any] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    remediation_steps: str = ""

    def json_schema(self) -> dict[str, Any]:
        properties = {"enforcementLevel": {"type": "string", "enum": list(LEVELS)}, **self.schema_properties}
        # additionalProperties false: a misspelt key would otherwise be ignored and its policy run on defaults.
        return {
            "type": "object",
            "properties": properties,
            "required": list(self.required),
            "additionalProperties": False,
        }


@dataclass
class EffectivePolicyConfig:
    level: str
    properties: dict[str, Any]


def declarations_from_info(info: analyzer_pb2.AnalyzerInfo) -> list[PolicyDeclaration]:
    declarations = []
    for policy in info.policies:
        schema = json_format.MessageToDict(policy.configSchema.properties) if policy.HasField("configSchema") else {}
        declarations.append(
            PolicyDeclaration(
                name=policy.name,
                description=policy.description,
                level=LEVEL_FROM_PROTO.get(policy.enforcementLevel, "advisory"),
                policy_type="stack" if policy.policy_type == analyzer_pb2.POLICY_TYPE_STACK else "resource",
                schema_properties=schema,
                required=list(policy.configSchema.required),
                remediation_steps=policy.remediation_steps,
            )
        )
    return declarations


def load_config_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"--policy-pack-config {path}: cannot read: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UserError(f"--policy-pack-config {path}: not JSON: {error}") from None
    except UnicodeDecodeError as error:
        raise UserError(
            f"--policy-pack-config {path}: not JSON: byte {error.start} is not UTF-8 (save the file as UTF-8 JSON)"
        ) from None
    if not isinstance(data, dict):
        raise UserError(f"--policy-pack-config {path}: must be a JSON object of policy name -> level or object")
    return data


def effective_config(
    declarations: list[PolicyDeclaration],
    initial: Mapping[str, analyzer_pb2.PolicyConfig],
    overrides: Mapping[str, Any],
    *,
    source: str,
) -> dict[str, EffectivePolicyConfig]:
    """Merge defaults < the pack's initial config < `overrides` (from `source`), then validate each policy."""
    names = {d.name for d in declarations}
    unknown = sorted(set(overrides) - names - {ALL})
    if unknown:
        raise UserError(f"{source}: unknown policy name(s) {unknown}. Fix: use one of {sorted(names)} (or \"all\")")
    unknown_initial = sorted(set(initial) - names - {ALL})
    if unknown_initial:
        raise UserError(f"the pack's initial_config names unknown policies {unknown_initial}: fix the pack")

    result: dict[str, EffectivePolicyConfig] = {}
    for declaration in declarations:
        level = declaration.level
        properties = {
            key: copy.deepcopy(spec["default"])
            for key, spec in declaration.schema_properties.items()
            if isinstance(spec, dict) and "default" in spec
        }
        for key in (ALL, declaration.name):
            if key in initial:
                entry = initial[key]
                # Proto3 cannot tell "advisory" (0) from "not set": the SDK leaves the field unset when the pack
                # gives only properties. Reading 0 as a downgrade would turn mandatory policies advisory.
                if entry.enforcementLevel != analyzer_pb2.ADVISORY:
                    level = LEVEL_FROM_PROTO.get(entry.enforcementLevel, level)
                properties.update(json_format.MessageToDict(entry.properties))
        for key in (ALL, declaration.name):
            if key in overrides:
                level, properties = _apply_override(
                    overrides[key], level, properties, source=f"{source}: {key!r}", level_only=key == ALL
                )
        properties = _integers_as_int(declaration, properties)
        _validate(declaration, level, properties, source=source)
        result[declaration.name] = EffectivePolicyConfig(level=level, properties=properties)
    return result


def _apply_override(
    value: Any, level: str, properties: dict[str, Any], *, source: str, level_only: bool
) -> tuple[str, dict[str, Any]]:
    if isinstance(value, str):
        return _level(value, source), properties
    if not isinstance(value, dict) or level_only:
        expected = "a level string" if level_only else "a level string or an object"
        raise UserError(f"{source}: must be {expected} ({', '.join(LEVELS)}), got {json.dumps(value)}")
    merged = dict(properties)
    for key, item in value.items():
        if key == "enforcementLevel":
            level = _level(item, source)
        else:
            merged[key] = item
    return level, merged


def _integers_as_int(declaration: PolicyDeclaration, properties: dict[str, Any]) -> dict[str, Any]:
    """Struct numbers are doubles: show a schema `integer` default as 10, not 10.0, in reports."""

    def integral(key: str, value: Any) -> bool:
        spec = declaration.schema_properties.get(key)
        return (
            isinstance(spec, dict) and spec.get("type") == "integer" and isinstance(value, float) and value.is_integer()
        )

    return {key: int(value) if integral(key, value) else value for key, value in properties.items()}


def _level(value: Any, source: str) -> str:
    if value not in LEVELS:
        raise UserError(f"{source}: enforcement level {value!r} is not one of {', '.join(LEVELS)}")
    return str(value)


def _validate(declaration: PolicyDeclaration, level: str, properties: dict[str, Any], *, source: str) -> None:
    instance = {"enforcementLevel": level, **properties}
    schema = declaration.json_schema()
    try:
        check_config_schema(schema)
    except jsonschema.SchemaError as error:
        raise UserError(
            f"policy {declaration.name!r} declares an invalid config schema ({error.message}): "
            f"fix its PolicyConfigSchema in the pack"
        ) from None
    problems = config_problems(schema, instance)
    if problems:
        details = "; ".join(problems)
        allowed = ", ".join(sorted(declaration.schema_properties)) or "none"
        raise UserError(
            f"policy config of {declaration.name!r} (defaults, the pack's initial config, then "
            f"{source}) is invalid: {details}. Allowed properties: {allowed}"
        )
