"""Workloads are found by shape: every kind in the table, and pod specs hypothesis builds at random depths under
random kinds, get the container and supply-chain rules; the built-in kinds without a pod spec are skipped."""

from __future__ import annotations

import copy
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE

from tests.policies.harness import assert_has_violation, rule, run_rules

from paved_road_policies import k8s  # noqa: E402 (harness sets the path)
from paved_road_policies.resource import Resource  # noqa: E402

UNPINNED = {"name": "app", "image": "busybox:latest"}
SHAPE_RULES = ["image-pinned-by-digest", "container-privileged", "container-capabilities"]
# Every kind the issue names, plus a CRD nobody has heard of: (type token, where its pod spec sits).
KINDS = [(type_token, path) for type_token, path in k8s.WELL_KNOWN_POD_SPEC_PATHS.items()] + [
    ("kubernetes:workers.acme.dev/v1:WorkerPool", ("spec", "pools", 0, "runner", "podSpec")),
    ("kubernetes:apps/v1:DeploymentPatch", ("spec", "template", "spec")),
]


def _place(path: tuple[str | int, ...], pod: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"metadata": {"name": "w", "namespace": "web"}}
    node: Any = props
    for step, following in zip(path, [*path[1:], None], strict=True):
        if following is None:
            node[step] = pod
        else:
            child: Any = [] if isinstance(following, int) else {}
            if isinstance(node, list):
                node.append(child)
            else:
                node[step] = child
            node = child
    return props


def _resource(type_token: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": type_token, "name": "w", "urn": f"urn:pulumi:dev::paved-road::{type_token}::w", "props": props}


@pytest.mark.parametrize(
    ("type_token", "path"), KINDS, ids=[k[0].rsplit(":", 1)[-1] + "@" + ".".join(map(str, k[1])) for k in KINDS]
)
def test_a_privileged_unpinned_container_is_found_in_every_kind(type_token: str, path: tuple[str | int, ...]) -> None:
    pod = {"containers": [{**UNPINNED, "securityContext": {"privileged": True}}]}
    result = run_rules([_resource(type_token, _place(path, pod))], {}, SHAPE_RULES)
    for name in SHAPE_RULES:
        assert_has_violation(result, name, "::w", "busybox:latest" if name == "image-pinned-by-digest" else "")


@pytest.mark.parametrize("type_token", sorted(k8s.POD_FREE_TYPES))
def test_built_in_kinds_without_a_pod_spec_are_not_searched(type_token: str) -> None:
    props = _place(("spec", "template", "spec"), {"containers": [UNPINNED]})
    assert run_rules([_resource(type_token, props)], {}, SHAPE_RULES).violations == []


def test_a_pod_template_hidden_behind_an_unknown_value_blocks() -> None:
    props = {"metadata": {"name": "w"}, "spec": {"template": UNKNOWN_OBJECT_VALUE}}
    result = run_rules([_resource("kubernetes:argoproj.io/v1alpha1:Rollout", props)], {}, ["image-pinned-by-digest"])
    assert_has_violation(result, "image-pinned-by-digest", "::w", "UNKNOWN DURING PREVIEW: .spec.template")


KEYS = st.text(alphabet=string.ascii_letters, min_size=1, max_size=8).filter(
    lambda key: key not in k8s.POD_HOLDER_KEYS and key not in ("metadata",)
)
PATHS = st.lists(st.one_of(KEYS, st.just(0)), min_size=0, max_size=12).map(tuple)
TYPES = st.one_of(
    st.sampled_from([k for k, _ in KINDS]),
    st.builds(
        lambda group, kind: f"kubernetes:{group}.example.com/v1:{kind}",
        st.text(string.ascii_lowercase, min_size=1, max_size=6),
        st.text(string.ascii_letters, min_size=1, max_size=10).map(str.capitalize),
    ),
)
LISTS = st.sampled_from(k8s.CONTAINER_LISTS)


@settings(max_examples=200, deadline=None)
@given(type_token=TYPES, path=PATHS, list_name=LISTS, wrapper=st.sampled_from(["bare", "template"]))
def test_any_pod_spec_at_any_depth_under_any_kind_is_judged(
    type_token: str, path: tuple[str | int, ...], list_name: str, wrapper: str
) -> None:
    pod = {list_name: [copy.deepcopy(UNPINNED)]}
    full = (*path, "template", "spec") if wrapper == "template" else (*path, "podSpec")
    props = _place(("spec", *full), pod)
    found = k8s.pod_specs(Resource(type_token, "w", "urn:w", props))
    assert [p.spec for p in found] == [pod]
    result = run_rules([_resource(type_token, props)], {}, ["image-pinned-by-digest"])
    assert_has_violation(result, "image-pinned-by-digest", "::w", f"{list_name}[0]")
    assert rule("image-pinned-by-digest").selects.matches(type_token)
