"""The bench's Rego comparator (benchmarks/rego/) judges like the pack's Python rules, so its timing means something.

Both rules it mirrors (kubernetes-governance-labels, image-pinned-by-digest) are run through the SDK path
(harness.run_rules) and through regopy on every resource of the rule-file cases built on the real program and on
variants made to break them; each resource must be judged violating by both engines or by neither.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_STRING_VALUE

from benchmarks.rego.comparator import RULES as REGO_RULES
from benchmarks.rego.comparator import RegoRules
from tests.policies.cases import all_cases
from tests.policies.harness import rule, run_rules

# The resources of every case built on the real program's (bases/program.json): what the bench judges. The
# hand-written workloads exercise wrappers and kinds the comparator does not mirror (inline YAML, for one).
FIXTURE_RESOURCES = [resource for case in all_cases() if case.bases == {"program"} for resource in case.resources]
DEPLOYMENT = next(r for r in FIXTURE_RESOURCES if r["type"] == "kubernetes:apps/v1:Deployment")
DIGEST = "@sha256:" + "a" * 64


def _labels(props: dict[str, Any]) -> dict[str, Any]:
    return props["metadata"]["labels"]


def _template_labels(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["metadata"]["labels"]


def _container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


def _set(place: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(props: dict[str, Any]) -> None:
        place(props)[key] = value

    return change


def _drop(place: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Callable[[dict[str, Any]], None]:
    def change(props: dict[str, Any]) -> None:
        place(props).pop(key, None)

    return change


def _as_cronjob(props: dict[str, Any]) -> None:
    template = props["spec"]["template"]
    props["spec"] = {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template}}}


# (case, type override or None, change to the Deployment fixture's props)
VARIANTS: list[tuple[str, str | None, Callable[[dict[str, Any]], None]]] = [
    ("risk label missing", None, _drop(_labels, "risk")),
    ("risk label not allowed", None, _set(_labels, "risk", "extreme")),
    ("owner label breaks the pattern", None, _set(_labels, "owner", "Team Payments")),
    ("owner label empty", None, _set(_labels, "owner", "")),
    ("owner label not a string", None, _set(_labels, "owner", 7.0)),
    ("owner label unknown", None, _set(_labels, "owner", UNKNOWN_STRING_VALUE)),
    ("labels unknown", None, _set(lambda p: p["metadata"], "labels", UNKNOWN_STRING_VALUE)),
    ("pod template without data-classification", None, _drop(_template_labels, "data-classification")),
    (
        "pod template labels unknown",
        None,
        _set(lambda p: p["spec"]["template"]["metadata"], "labels", UNKNOWN_STRING_VALUE),
    ),
    ("image tag only", None, _set(_container, "image", "ghcr.io/paved-road/app:1.0.0")),
    ("image latest with digest", None, _set(_container, "image", "ghcr.io/paved-road/app:latest" + DIGEST)),
    ("image tag and digest", None, _set(_container, "image", "ghcr.io/paved-road/app:1.0.0" + DIGEST)),
    ("image on a registry port", None, _set(_container, "image", "registry.local:5000/team/app" + DIGEST)),
    ("image on Docker Hub", None, _set(_container, "image", "nginx" + DIGEST)),
    ("image with a short digest", None, _set(_container, "image", "ghcr.io/paved-road/app@sha256:abc")),
    ("image with two digests", None, _set(_container, "image", "ghcr.io/a" + DIGEST + DIGEST)),
    ("image with upper-case repository", None, _set(_container, "image", "ghcr.io/Paved/app" + DIGEST)),
    ("image empty", None, _set(_container, "image", "")),
    ("image absent", None, _drop(_container, "image")),
    ("image unknown", None, _set(_container, "image", UNKNOWN_STRING_VALUE)),
    ("container name unknown", None, _set(_container, "name", UNKNOWN_STRING_VALUE)),
    ("containers unknown", None, _set(lambda p: p["spec"]["template"]["spec"], "containers", UNKNOWN_ARRAY_VALUE)),
    ("pod spec unknown", None, _set(lambda p: p["spec"]["template"], "spec", UNKNOWN_STRING_VALUE)),
    (
        "init container tag only",
        None,
        _set(
            lambda p: p["spec"]["template"]["spec"],
            "initContainers",
            [{"name": "migrate", "image": "ghcr.io/paved-road/migrate:2"}],
        ),
    ),
    ("container entry not an object", None, _set(lambda p: p["spec"]["template"]["spec"], "containers", ["x"])),
    ("a CronJob pinned", "kubernetes:batch/v1:CronJob", _as_cronjob),
    (
        "a CronJob tag only",
        "kubernetes:batch/v1:CronJob",
        lambda p: (_set(_container, "image", "ghcr.io/paved-road/app:1")(p), _as_cronjob(p)),
    ),
    ("a Helm release is no object", "kubernetes:helm.sh/v3:Release", _drop(_labels, "risk")),
    ("a Namespace without labels", "kubernetes:core/v1:Namespace", _drop(lambda p: p, "metadata")),
]


def _variant(case: str, type_token: str | None, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    resource = copy.deepcopy(DEPLOYMENT)
    change(resource["props"])
    resource["type"] = type_token or resource["type"]
    resource["urn"] = f"{resource['urn']}-{case.replace(' ', '-')}"
    return resource


CASES = [(f"fixture {r['urn'].rsplit('::', 1)[-1]} ({r['type'].rsplit(':', 1)[-1]})", r) for r in FIXTURE_RESOURCES] + [
    (case, _variant(case, type_token, change)) for case, type_token, change in VARIANTS
]


@pytest.fixture(scope="module")
def rego() -> RegoRules:
    return RegoRules(rule("kubernetes-governance-labels").load_config(None))


@pytest.mark.parametrize(("case", "resource"), CASES, ids=[c for c, _ in CASES])
def test_rego_and_python_agree_on_whether_a_resource_violates(
    rego: RegoRules, case: str, resource: dict[str, Any]
) -> None:
    counts = rego.counts(resource["type"], resource["props"])
    result = run_rules([resource], {}, list(REGO_RULES))
    python = {name: bool(result.of(name)) for name in REGO_RULES}
    assert {name: count > 0 for name, count in counts.items()} == python, (case, result.describe())


def test_the_variants_break_each_rule_in_both_engines_so_agreement_is_not_all_passes(rego: RegoRules) -> None:
    judged = [rego.counts(r["type"], r["props"]) for _, r in CASES]
    for name in REGO_RULES:
        violating = sum(1 for counts in judged if counts[name] > 0)
        assert 5 < violating < len(CASES) - 5, (name, violating)
