"""The pack started the way the Pulumi engine starts it, spoken to over the Analyzer gRPC protocol.

One pack process for the module (start ~0.3 s); it binds 127.0.0.1 only and is always stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tests.policies.cases import load_case
from tests.policies.harness import PACK_DIR, RULES

START_TIMEOUT_S = 30
LEVELS = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY, "disabled": analyzer_pb2.DISABLED}


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    env = {
        **os.environ,
        "PULUMI_PROJECT": "paved-road",
        "PULUMI_STACK": "dev",
        "PULUMI_DRY_RUN": "true",
        "PULUMI_ORGANIZATION": "organization",
        "PULUMI_CONFIG": "{}",
    }
    # The engine address is unused by the Python SDK's analyzer; the engine passes its own.
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=PACK_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port_line = _first_line(process)
        assert port_line.strip().isdigit(), f"first stdout line must be the port, got {port_line!r}"
        channel = grpc.insecure_channel(f"127.0.0.1:{port_line.strip()}")
        grpc.channel_ready_future(channel).result(timeout=START_TIMEOUT_S)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=START_TIMEOUT_S)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _first_line(process: subprocess.Popen[str]) -> str:
    import selectors

    selector = selectors.DefaultSelector()
    assert process.stdout is not None
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout=START_TIMEOUT_S):
        raise AssertionError(f"the pack printed no port within {START_TIMEOUT_S}s")
    return process.stdout.readline()


def _configure(stub: analyzer_pb2_grpc.AnalyzerStub, config: dict) -> None:
    """What the engine sends: every policy with an explicit level (its default unless config says otherwise)."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for current in RULES:
        entry = config.get(current.name, {})
        level = entry if isinstance(entry, str) else entry.get("enforcementLevel", current.enforcement_level.value)
        properties = {
            **current.defaults(),
            **({} if isinstance(entry, str) else {k: v for k, v in entry.items() if k != "enforcementLevel"}),
        }
        policy = analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[level])
        policy.properties.update(properties)
        request.policyConfig[current.name].CopyFrom(policy)
    stub.Configure(request, timeout=10)


def _analyze(stub: analyzer_pb2_grpc.AnalyzerStub, resource: dict) -> list:
    properties = struct_pb2.Struct()
    properties.update(resource["props"])
    request = analyzer_pb2.AnalyzeRequest(
        type=resource["type"], urn=resource["urn"], name=resource["name"], properties=properties
    )
    return list(stub.Analyze(request, timeout=10).diagnostics)


def test_the_pack_lists_every_rule_with_its_default_level_and_strict_schema(analyzer) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
    assert info.name == "paved-road"
    served = {p.name: p for p in info.policies}
    assert set(served) == {r.name for r in RULES}
    for current in RULES:
        assert served[current.name].enforcementLevel == LEVELS[current.enforcement_level.value], current.name
        assert set(served[current.name].configSchema.properties) == set(current.config)
        assert served[current.name].remediation_steps


def test_a_failing_case_is_a_mandatory_diagnostic_on_the_wire(analyzer) -> None:
    case = load_case("image-signature-verified", "other-digest")
    _configure(analyzer, case.config)
    diagnostics = [d for d in _analyze(analyzer, case.resources[0]) if d.policyName == "image-signature-verified"]
    assert [d.enforcementLevel for d in diagnostics] == [analyzer_pb2.MANDATORY]
    assert "signature digest-mismatch" in diagnostics[0].message


def test_an_unknown_value_is_mandatory_on_the_wire_not_the_sdks_advisory_note(analyzer) -> None:
    case = load_case("image-signature-verified", "unknown-signature")
    _configure(analyzer, case.config)
    diagnostics = [d for d in _analyze(analyzer, case.resources[0]) if d.policyName == "image-signature-verified"]
    assert [d.enforcementLevel for d in diagnostics] == [analyzer_pb2.MANDATORY]
    assert "UNKNOWN DURING PREVIEW" in diagnostics[0].message
    assert "can't run policy" not in diagnostics[0].message


def test_an_invalid_config_makes_analyze_fail_with_a_grpc_error(analyzer) -> None:
    case = load_case("image-pinned-by-digest", "paved-road")
    _configure(analyzer, {**case.config, "image-vulnerability-threshold": {"max_critical": -1}})
    with pytest.raises(grpc.RpcError) as raised:
        _analyze(analyzer, case.resources[0])
    assert raised.value.code() == grpc.StatusCode.UNKNOWN
    assert "Exception calling application" in (raised.value.details() or "")


def test_a_disabled_rule_produces_no_diagnostic(analyzer) -> None:
    case = load_case("image-pinned-by-digest", "tag-only")
    _configure(analyzer, {**case.config, "image-pinned-by-digest": "disabled"})
    assert not [d for d in _analyze(analyzer, case.resources[0]) if d.policyName == "image-pinned-by-digest"]


def test_a_stack_rule_reports_on_the_resource_over_analyze_stack(analyzer) -> None:
    case = load_case("service-slo-declared", "no-slo")
    _configure(analyzer, case.config)
    request = analyzer_pb2.AnalyzeStackRequest()
    for resource in case.resources:
        entry = request.resources.add(
            type=resource["type"], urn=resource["urn"], name=resource["name"], parent=resource.get("parent", "")
        )
        entry.properties.update(resource["props"])
    diagnostics = [
        d for d in analyzer.AnalyzeStack(request, timeout=10).diagnostics if d.policyName == "service-slo-declared"
    ]
    assert [d.urn.rsplit("::", 1)[-1] for d in diagnostics] == ["hello-prod-deployment"]
    assert "annotation `paved-road.dev/slo` (metadata.annotations) is missing" in diagnostics[0].message
