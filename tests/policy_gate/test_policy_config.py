"""Policy config as the engine builds it: defaults < the pack's initial config < the file; explicit levels."""

from __future__ import annotations

import pytest
from pulumi.runtime.proto import analyzer_pb2

from companyos.contracts.errors import UserError
from companyos.policy_gate.policy_config import declarations_from_info, effective_config


def info(*, initial: dict[str, analyzer_pb2.PolicyConfig] | None = None) -> analyzer_pb2.AnalyzerInfo:
    """What GetAnalyzerInfo returns for a pack with one mandatory policy that has a config schema."""
    message = analyzer_pb2.AnalyzerInfo(name="pack", version="0.0.1", supportsConfig=True)
    policy = message.policies.add(
        name="vuln-threshold", description="No critical CVEs.", enforcementLevel=analyzer_pb2.MANDATORY
    )
    policy.configSchema.properties.update(
        {"maxCritical": {"type": "integer", "default": 0}, "allowUnscanned": {"type": "boolean", "default": False}}
    )
    for name, config in (initial or {}).items():
        message.initialConfig[name].CopyFrom(config)
    return message


def resolve(message: analyzer_pb2.AnalyzerInfo, overrides: dict) -> tuple[str, dict]:
    effective = effective_config(declarations_from_info(message), message.initialConfig, overrides, source="test")
    return effective["vuln-threshold"].level, effective["vuln-threshold"].properties


def props(**values: object) -> analyzer_pb2.PolicyConfig:
    config = analyzer_pb2.PolicyConfig()
    config.properties.update(values)
    return config


def test_schema_defaults_apply_when_nothing_else_is_set() -> None:
    assert resolve(info(), {}) == ("mandatory", {"maxCritical": 0, "allowUnscanned": False})


def test_the_packs_initial_config_overrides_defaults_and_the_file_overrides_both() -> None:
    message = info(initial={"vuln-threshold": props(maxCritical=2)})
    assert resolve(message, {}) == ("mandatory", {"maxCritical": 2, "allowUnscanned": False})
    assert resolve(message, {"vuln-threshold": {"maxCritical": 5}}) == (
        "mandatory",
        {"maxCritical": 5, "allowUnscanned": False},
    )


def test_initial_config_without_a_level_does_not_turn_a_mandatory_policy_advisory() -> None:
    # On the wire "no level" and "advisory" are both 0; reading it as advisory would open the gate.
    assert resolve(info(initial={"vuln-threshold": props(allowUnscanned=True)}), {})[0] == "mandatory"


def test_an_explicit_level_in_initial_config_is_honoured() -> None:
    disabled = analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.DISABLED)
    assert resolve(info(initial={"vuln-threshold": disabled}), {})[0] == "disabled"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"vuln-threshold": {"maxCritical": "none"}}, "maxCritical: 'none' is not of type 'integer'"),
        ({"vuln-threshold": {"allow_unscanned": True}}, "'allow_unscanned' was unexpected"),
        ({"vuln-threshold": ["mandatory"]}, "must be a level string or an object"),
        ({"all": {"enforcementLevel": "advisory"}}, "must be a level string"),
        ({"unknown-rule": "disabled"}, "unknown policy name(s) ['unknown-rule']"),
    ],
)
def test_an_invalid_config_file_is_rejected_naming_the_policy_and_field(overrides, message) -> None:
    with pytest.raises(UserError) as error:
        resolve(info(), overrides)
    assert message in str(error.value)
