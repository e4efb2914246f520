"""OpenSLO v1 output follows the spec (github.com/OpenSLO/OpenSLO README, sections SLO, SLI, Objectives)."""

from __future__ import annotations

import jsonschema
import promql_parser
import pytest
import yaml

from companyos.observability.openslo import generate_openslo, render_openslo

from .slo_testkit import hello_prod, stanza

# The README's rules for an SLO with an inline ratio indicator, written as JSON Schema. The upstream
# schemas/v1 files are not usable as-is (they spell the field "rationMetric" and require "").
NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"}  # RFC 1123 label
SOURCE = {
    "type": "object",
    "required": ["metricSource"],
    "properties": {
        "metricSource": {
            "type": "object",
            "required": ["type", "spec"],
            "properties": {"type": {"const": "Prometheus"}},
        }
    },
}
SLO_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "openslo/v1"},
        "kind": {"const": "SLO"},
        "metadata": {"type": "object", "required": ["name"], "properties": {"name": NAME}},
        "spec": {
            "type": "object",
            "required": ["service", "indicator", "timeWindow", "budgetingMethod", "objectives"],
            "not": {"required": ["indicatorRef"]},
            "properties": {
                "description": {"type": "string", "maxLength": 1050},
                "service": NAME,
                "indicator": {
                    "type": "object",
                    "required": ["metadata", "spec"],
                    "properties": {
                        "metadata": {"required": ["name"], "properties": {"name": NAME}},
                        "spec": {
                            "type": "object",
                            "required": ["ratioMetric"],
                            "not": {"required": ["thresholdMetric"]},
                            "properties": {
                                "ratioMetric": {
                                    "type": "object",
                                    "required": ["counter", "total"],
                                    "properties": {
                                        "counter": {"type": "boolean"},
                                        "good": SOURCE,
                                        "bad": SOURCE,
                                        "total": SOURCE,
                                    },
                                    "oneOf": [{"required": ["good"]}, {"required": ["bad"]}],
                                }
                            },
                        },
                    },
                },
                "timeWindow": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["duration", "isRolling"],
                        "properties": {
                            "duration": {"type": "string", "pattern": "^[0-9]+[mhdwMQY]$"},
                            "isRolling": {"const": True},
                        },
                    },
                },
                "budgetingMethod": {"enum": ["Occurrences", "Timeslices", "RatioTimeslices"]},
                "objectives": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["target"],
                        "not": {"required": ["targetPercent"]},
                        "properties": {"target": {"type": "number", "minimum": 0, "exclusiveMaximum": 1}},
                    },
                },
            },
        },
    },
}


@pytest.mark.parametrize(
    "spec",
    [hello_prod(), stanza("svc-b", availability=99.5, threshold_ms=1000, window_days=28)],
    ids=["hello-prod", "svc-b-28d"],
)
def test_each_slo_document_satisfies_the_openslo_v1_rules(spec) -> None:
    service, *slos = generate_openslo(spec)
    assert (service["apiVersion"], service["kind"], service["metadata"]["name"]) == ("openslo/v1", "Service", spec.name)
    assert [s["metadata"]["name"] for s in slos] == [f"{spec.name}-availability", f"{spec.name}-latency"]
    for slo in slos:
        jsonschema.validate(slo, SLO_SCHEMA)
        assert slo["spec"]["timeWindow"] == [{"duration": f"{spec.slo.window_days}d", "isRolling": True}]
        assert slo["spec"]["budgetingMethod"] == "Occurrences"


def test_objectives_are_the_catalogue_targets_as_fractions() -> None:
    _, availability, latency = generate_openslo(stanza(availability=99.95, latency=97.5))
    assert availability["spec"]["objectives"][0]["target"] == 0.9995
    assert latency["spec"]["objectives"][0]["target"] == 0.975


def test_every_indicator_query_is_valid_promql_for_the_service_job() -> None:
    for slo in generate_openslo(hello_prod())[1:]:
        ratio = slo["spec"]["indicator"]["spec"]["ratioMetric"]
        for part in ("good", "bad", "total"):
            if part in ratio:
                query = ratio[part]["metricSource"]["spec"]["query"]
                selector = promql_parser.parse(query)
                assert isinstance(selector, promql_parser.VectorSelector)
                assert {m.name: m.value for m in selector.matchers.matchers}["job"] == "hello-prod"


def test_the_rendered_file_is_three_yaml_documents_equal_to_the_generated_objects() -> None:
    assert list(yaml.safe_load_all(render_openslo(hello_prod()))) == generate_openslo(hello_prod())
