"""The gate drives real packs over the Analyzer gRPC protocol: verdicts, levels, config, waivers, fail-closed."""

from __future__ import annotations

import pytest
from pulumi.runtime import rpc

from companyos.policy_gate import render_summary
from companyos.policy_gate.gate_run import PIPELINE_DEPTH
from tests.conftest import write_exceptions
from tests.policy_gate.conftest import THING, gate, thing


def test_compliant_resources_pass_with_exit_0_and_every_policy_ran(basic_gate) -> None:
    result = basic_gate([thing("a"), thing("b"), {"type": "test:index:Other", "name": "c", "props": {}}])
    assert (result.verdict, result.exit_code, result.error) == ("passed", 0, None)
    assert result.violations == []
    assert result.analyzed == 3
    assert {p.name: (p.result, p.evaluated) for p in result.policies} == {
        "thing-has-owner": ("pass", 3),
        "thing-size": ("pass", 3),
        "thing-scanned": ("pass", 3),
        "stack-has-thing": ("pass", 1),
    }
    # The pack reports the version of its PulumiPolicy.yaml, as the engine does (the SDK always says 0.0.1).
    assert (result.pack_name, result.pack_version) == ("gate-test-basic", "1.2.3")


def test_the_pack_reaches_the_engine_service_at_the_address_it_was_started_with(basic_gate) -> None:
    result = basic_gate([thing("a")])
    assert "info: basic pack loaded" in result.logs


def test_a_mandatory_violation_blocks_with_exit_1_and_names_the_resource_and_fix(basic_gate) -> None:
    result = basic_gate([thing("a"), thing("nobody", owner="")])
    assert (result.verdict, result.exit_code) == ("blocked", 1)
    [violation] = result.violations
    assert (violation.rule, violation.level, violation.resource_name) == ("thing-has-owner", "mandatory", "nobody")
    assert violation.urn == f"urn:pulumi:ci::gate-test::{THING}::nobody"
    assert "nobody has no owner." in violation.message
    assert violation.fix == "Set `owner` on the Thing."
    summary = render_summary(result)
    assert "[mandatory]  thing-has-owner  (test:index:Thing: nobody)" in summary
    assert "gate-test-basic@v1.2.3" in summary


def test_an_advisory_only_violation_passes_with_exit_0_and_is_listed(basic_gate) -> None:
    result = basic_gate([thing("big", size=30)])
    assert (result.verdict, result.exit_code) == ("passed", 0)
    [violation] = result.violations
    assert (violation.rule, violation.level) == ("thing-size", "advisory")
    assert result.policy("thing-size").result == "violation"
    assert "[advisory]  thing-size" in render_summary(result)


def test_a_stack_policy_violation_blocks_and_is_attached_to_the_stack(basic_gate) -> None:
    result = basic_gate([{"type": "test:index:Other", "name": "lonely", "props": {}}])
    assert result.exit_code == 1
    [violation] = result.violations
    assert (violation.rule, violation.urn) == ("stack-has-thing", "")


@pytest.mark.parametrize(
    ("config", "allowed_size", "expected_exit"),
    [
        ({}, 10, 0),  # schema default, advisory: listed only
        ({"thing-size": {"maxSize": 50}}, 50, 0),  # the file overrides the default
        ({"thing-size": "mandatory"}, 10, 1),  # the file raises the level: now blocking
        ({"thing-size": {"enforcementLevel": "mandatory", "maxSize": 50}}, 50, 0),
        ({"all": "mandatory"}, 10, 1),
    ],
)
def test_policy_config_precedence_is_schema_default_then_config_file(
    basic_gate, config, allowed_size, expected_exit, tmp_path
) -> None:
    allowed = write_exceptions(tmp_path / "exceptions.yaml", [("thing-size", "maxSize")])  # 10 -> 50 weakens
    result = basic_gate([thing("big", size=30)], config, exceptions_file=allowed)
    assert result.policy("thing-size").config == {"maxSize": allowed_size}
    assert result.exit_code == expected_exit
    assert bool(result.violations) == (allowed_size < 30)


def test_a_disabled_rule_is_not_evaluated_and_is_listed_as_disabled(basic_gate, tmp_path) -> None:
    allowed = write_exceptions(tmp_path / "exceptions.yaml", [("thing-has-owner", "enforcementLevel")])
    result = basic_gate([thing("nobody", owner="")], {"thing-has-owner": "disabled"}, exceptions_file=allowed)
    assert (result.verdict, result.violations) == ("passed", [])
    policy = result.to_report()["policies"][0]
    assert (policy["name"], policy["disabled"], policy["result"], policy["counts"]["evaluated"]) == (
        "thing-has-owner",
        True,
        "disabled",
        0,
    )
    assert "Disabled rules (not evaluated): thing-has-owner" in render_summary(result)


def test_a_waiver_is_reported_as_waived_with_its_reason_not_as_a_pass(basic_gate, tmp_path) -> None:
    unscanned = thing("legacy", scanned=False)
    assert basic_gate([unscanned]).exit_code == 1
    allowed = write_exceptions(tmp_path / "exceptions.yaml", [("thing-scanned", "allowUnscanned")])
    result = basic_gate([unscanned], {"thing-scanned": {"allowUnscanned": True}}, exceptions_file=allowed)
    assert (result.exit_code, result.policy("thing-scanned").result) == (0, "waived")
    [waiver] = result.waivers
    assert (waiver.rule, waiver.reason) == ("thing-scanned", "allowUnscanned is set in the policy config")
    assert waiver.urn.endswith("::legacy")
    assert "Waived: thing-scanned" in render_summary(result)


def test_a_mandatory_policy_that_cannot_see_a_value_at_preview_does_not_pass(basic_gate, tmp_path) -> None:
    unknown_owner = thing("pending", owner=rpc.UNKNOWN)
    result = basic_gate([unknown_owner])
    assert result.exit_code == 2
    assert "'thing-has-owner' could not run on" in result.error
    # Made advisory, the same gap is a note, not a block.
    allowed = write_exceptions(tmp_path / "exceptions.yaml", [("thing-has-owner", "enforcementLevel")])
    relaxed = basic_gate([unknown_owner], {"thing-has-owner": "advisory"}, exceptions_file=allowed)
    assert relaxed.exit_code == 0
    assert any("thing-has-owner" in note for note in relaxed.notes)


# Fail-closed rows at the protocol level: the gate could not judge, so it cannot pass (exit 2).
@pytest.mark.parametrize(
    ("pack", "config", "expected"),
    [
        ("crash-on-import", None, "No module named 'paved_road_module_that_does_not_exist'"),
        ("rule-raises", None, "policy 'reads-missing-labels' raised while analysing urn:pulumi:ci::gate-test::"),
        ("print-before-port", None, "printed 'loading paved-road policies...' before its port"),
        ("no-policypack", None, "exited (code 0) without serving"),
        ("hangs", None, "did not print its port within 2 s"),
        ("basic", {"thing-size": {"maxSize": "big"}}, "maxSize: 'big' is not of type 'integer'"),
        ("basic", {"thing-size": {"maxSize": 0}}, "maxSize: 0 is less than the minimum of 1"),
        ("basic", {"thing-size": {"maxsize": 3}}, "'maxsize' was unexpected"),
        ("basic", {"thing-sise": "advisory"}, "unknown policy name(s) ['thing-sise']"),
        ("basic", {"thing-size": "off"}, "enforcement level 'off' is not one of"),
        ("basic", {"all": "disabled"}, "every policy is disabled"),
        ("no-such-pack", None, "no PulumiPolicy.yaml"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_gate_that_cannot_judge_exits_2_and_says_why(pack, config, expected) -> None:
    # Only the hanging pack gets a short timeout: on a loaded CI machine a healthy pack may take seconds to start.
    result = gate(pack, [thing("a")], config, timeout_s=2 if pack == "hangs" else 60)
    assert (result.verdict, result.exit_code) == ("error", 2)
    assert expected in result.error
    assert "Traceback" not in result.error.split("stderr:")[0]


def test_a_raising_rule_is_named_even_when_a_healthy_rule_runs_before_it() -> None:
    # Calls after the failing one are already in flight: the first failure in resource order is the one named.
    others = [{"type": "test:index:Other", "name": f"ok{i}", "props": {}} for i in range(5)]
    result = gate("rule-raises", [*others[:2], thing("boom"), *others[2:], thing("later")])
    assert result.exit_code == 2
    assert (
        "'reads-missing-labels' raised while analysing urn:pulumi:ci::gate-test::test:index:Thing::boom" in result.error
    )
    assert "KeyError" in result.error or "'labels'" in result.error


def test_nothing_to_analyse_is_an_error_not_a_pass(basic_gate) -> None:
    result = basic_gate([])
    assert result.exit_code == 2
    assert "no resources to analyse" in result.error


def test_answers_sent_ahead_are_recorded_in_resource_order_across_batches(basic_gate) -> None:
    count = 2 * PIPELINE_DEPTH + 5
    resources = [thing(f"t{i:03d}", owner="" if i % 7 == 0 else "team-a") for i in range(count)]
    result = basic_gate(resources)
    assert result.analyzed == count
    assert [v.resource_name for v in result.violations] == [f"t{i:03d}" for i in range(count) if i % 7 == 0]
    assert {p.name: p.evaluated for p in result.policies}["thing-has-owner"] == count
