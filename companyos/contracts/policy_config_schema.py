"""How a policy's config is judged against its schema: the one reading the gate (companyos.policy_gate) and the
pack's rules share. JSON Schema draft 7: the Pulumi engine validates `--policy-pack-config` with gojsonschema
(sdk/go/common/resource/plugin/analyzer_plugin.go, validatePolicyConfig), whose newest draft is 7, so a config the
engine would accept or refuse is accepted or refused the same way here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from companyos.support.jsonschema_import import jsonschema

VALIDATOR = jsonschema.Draft7Validator


def check_config_schema(schema: Mapping[str, Any]) -> None:
    """Raise jsonschema.SchemaError when a policy declares a schema the engine could not use."""
    VALIDATOR.check_schema(schema)


def config_problems(schema: Mapping[str, Any], instance: Mapping[str, Any]) -> list[str]:
    """Each way `instance` breaks `schema`, as `path: message` (`(top level)` for the object itself)."""
    errors = sorted(VALIDATOR(schema).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors]
