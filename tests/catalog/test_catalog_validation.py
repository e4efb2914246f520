"""Stanza validation: good stanzas load with defaults; bad ones report every problem with file, line,
service, field, allowed values and a fix; nothing ever raises anything but CatalogError."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companyos.catalog import CatalogError, load_catalog, load_catalog_text
from companyos.catalog.model import LatencySlo, Resources, ServiceSpec, Slo
from companyos.catalog.schema_issues import schema

REPO_ROOT = Path(__file__).resolve().parents[2]
MINIMAL = """services:
  - name: hello-prod
    owner: team-platform
    risk: medium
    data_classification: internal
"""


def issues_of(text: str) -> list:
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "services.yaml")
    return caught.value.issues


def test_the_committed_catalogue_is_valid() -> None:
    catalog = load_catalog(REPO_ROOT / "services.yaml")
    assert catalog.names()[0] == "hello-prod"


def test_a_five_line_stanza_gets_every_default() -> None:
    spec = load_catalog_text(MINIMAL).services[0]
    assert (spec.template, spec.port, spec.replicas) == ("node-express", 8080, 2)
    assert spec.resources == Resources()
    assert spec.slo == Slo(availability=99.9, latency=LatencySlo(threshold_ms=300, objective=99.0), window_days=30)
    assert spec.env == {} and spec.secrets == {}


def test_the_schema_defaults_match_the_model_defaults_so_editors_show_the_truth() -> None:
    service = schema()["$defs"]["service"]["properties"]
    spec = ServiceSpec(name="x", owner="t", risk="low", data_classification="public")
    assert service["template"]["default"] == spec.template
    assert service["port"]["default"] == spec.port
    assert service["replicas"]["default"] == spec.replicas
    assert service["slo"]["properties"]["availability"]["default"] == spec.slo.availability
    latency = service["slo"]["properties"]["latency"]["properties"]
    assert latency["threshold_ms"]["default"] == spec.slo.latency.threshold_ms
    assert latency["objective"]["default"] == spec.slo.latency.objective
    assert service["slo"]["properties"]["window_days"]["default"] == spec.slo.window_days


def test_yaml_booleans_in_env_become_kubernetes_strings() -> None:
    spec = load_catalog_text(MINIMAL + "    env: {FEATURE_X: true, RETRIES: 3}\n").services[0]
    assert spec.env == {"FEATURE_X": "true", "RETRIES": "3"}


BAD_STANZAS = [
    # (sentence, lines appended to the minimal stanza or an (old, new) edit of it, field, line, expected fragment)
    ("an unknown risk lists the allowed values", ("risk: medium", "risk: severe"), "risk", 4, "low, medium, high"),
    (
        "a typo in a field name suggests the right one",
        "    dataclassification: internal\n",
        "dataclassification",
        6,
        "did you mean 'data_classification'",
    ),
    ("a privileged port is out of range", "    port: 80\n", "port", 6, "[1024, 65535]"),
    (
        "a name that is not DNS-1123 suggests one",
        ("hello-prod", "Hello_Prod"),
        "name",
        2,
        "rename it, e.g. 'hello-prod'",
    ),
    (
        "a latency threshold off the histogram buckets is refused",
        "    slo: {latency: {threshold_ms: 333}}\n",
        "slo.latency.threshold_ms",
        6,
        "e.g. 300",
    ),
    (
        "a request above its limit is refused",
        "    resources: {requests: {memory: 1Gi}}\n",
        "resources.requests.memory",
        6,
        "exceeds limit 256Mi",
    ),
    (
        "a password in plain env must move to secrets",
        "    env: {DB_PASSWORD: hunter2}\n",
        "env.DB_PASSWORD",
        6,
        "move it to secrets",
    ),
    (
        "an env var set twice is refused",
        "    env: {API_URL: x}\n    secrets: {API_URL: 'hello-prod:apiUrl'}\n",
        "env.API_URL",
        6,
        "delete env.API_URL",
    ),
    (
        "a lower-case env name gets an upper-case suggestion",
        "    env: {log_level: info}\n",
        "env.log_level",
        6,
        "rename it to LOG_LEVEL",
    ),
    ("PORT in env is derived from port", "    env: {PORT: '9000'}\n", "env.PORT", 6, "set port: instead"),
    ("a numeric owner must be a string", ("owner: team-platform", "owner: 42"), "owner", 3, "must be a string"),
    (
        "an unsupported SLO window lists the allowed ones",
        "    slo: {window_days: 14}\n",
        "slo.window_days",
        6,
        "7, 28, 30",
    ),
    (
        "a service named after a namespace the cluster owns is refused",
        ("hello-prod", "kube-system"),
        "name",
        2,
        "belong to Kubernetes",
    ),
    (
        "a secret that reads a provider's token is refused",
        "    secrets: {GH: 'github:token'}\n",
        "secrets.GH",
        6,
        "outside the service's own namespace 'hello-prod:'",
    ),
    (
        "a secret that reads another service's namespace is refused",
        "    secrets: {DB: 'payments-api:databaseUrl'}\n",
        "secrets.DB",
        6,
        "use hello-prod:<key>",
    ),
    (
        "a secret without a namespace is refused (the project's namespace is shared)",
        "    secrets: {DB: dbUrl}\n",
        "secrets.DB",
        6,
        "outside the service's own namespace",
    ),
    ("NODE_ENV is the platform's", "    env: {NODE_ENV: development}\n", "env.NODE_ENV", 6, "set by the platform"),
    (
        "OTEL_* variables are the platform's, as secrets too",
        "    secrets: {OTEL_EXPORTER_OTLP_HEADERS: 'hello-prod:h'}\n",
        "secrets.OTEL_EXPORTER_OTLP_HEADERS",
        6,
        "a stanza cannot override it",
    ),
    (
        "a zero request spelt with a unit is refused",
        "    resources: {requests: {cpu: 0m}}\n",
        "resources.requests.cpu",
        6,
        "0m is zero",
    ),
]


@pytest.mark.parametrize("sentence, extra, field, line, fragment", BAD_STANZAS, ids=[c[0] for c in BAD_STANZAS])
def test_a_bad_stanza_is_reported_with_its_line_field_and_fix(sentence, extra, field, line, fragment) -> None:
    text = MINIMAL.replace(*extra) if isinstance(extra, tuple) else MINIMAL + extra
    issues = issues_of(text)
    match = [i for i in issues if i.field == field]
    assert match, f"no issue for {field}: {[i.render() for i in issues]}"
    issue = match[0]
    assert issue.file == "services.yaml" and issue.service in ("hello-prod", "Hello_Prod", "kube-system")
    assert issue.line == line, issue.render()
    assert fragment in issue.render()
    assert issue.fix


def test_every_problem_in_the_file_is_reported_in_one_pass() -> None:
    text = """services:
  - name: a
    owner: t
    risk: severe
    data_classification: secret
    slo: {latency: {threshold_ms: 333}}
  - name: a
    owner: t
    risk: low
    data_classification: public
  - owner: nobody
"""
    fields = sorted((i.service, i.field) for i in issues_of(text))
    assert ("a", "risk") in fields and ("a", "data_classification") in fields
    assert ("a", "slo.latency.threshold_ms") in fields  # semantic checks run even when the schema failed
    assert ("a", "name") in fields  # duplicate
    assert ("#3 (unnamed)", "name") in fields and ("#3 (unnamed)", "risk") in fields


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("services: [", "not valid YAML"),
        ("- just a list\n", "the catalogue must be a mapping"),
        ("", "'services': is required"),
        ("services: []\n", "is empty"),
        ("services:\n  - 12\n", "must be an object"),
    ],
)
def test_a_malformed_document_gets_a_report_not_a_traceback(text, fragment) -> None:
    rendered = "\n".join(i.render() for i in issues_of(text))
    assert fragment in rendered


def test_validate_exits_0_for_the_committed_catalogue_and_2_with_every_problem_for_a_broken_one(tmp_path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "companyos.cli", "validate"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    broken = tmp_path / "services.yaml"
    broken.write_text(MINIMAL.replace("risk: medium", "risk: severe") + "    port: 80\n")
    bad = subprocess.run(
        [sys.executable, "-m", "companyos.cli", "validate", "--catalog", str(broken)], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "2 problems" in bad.stderr and f"{broken}:4" in bad.stderr and f"{broken}:6" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "companyos.cli", "validate", "--catalog", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "catalogue file not found" in missing.stderr


# --- fuzzing: arbitrary stanzas never escape as anything but a CatalogError whose issues name a field
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["low", "high", "internal", "300", "100m", "1Gi", "PASSWORD"]),
)
keys = st.sampled_from(
    [
        "name",
        "owner",
        "risk",
        "data_classification",
        "port",
        "replicas",
        "slo",
        "env",
        "secrets",
        "resources",
        "template",
        "description",
        "latency",
        "threshold_ms",
        "requests",
        "limits",
        "cpu",
        "memory",
        "availability",
        "window_days",
        "DB_TOKEN",
        "x",
    ]
) | st.text(max_size=8)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=5), max_leaves=12
)
stanzas = st.dictionaries(keys, values, max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(stanzas, max_size=3), st.booleans())
def test_fuzzed_stanzas_never_raise_anything_but_a_report_naming_a_field(stanza_list, wrap) -> None:
    document = {"services": stanza_list} if wrap else stanza_list
    # JSON is valid YAML; it lets hypothesis produce any shape without a YAML emitter in the loop.
    text = json.dumps(document, allow_nan=True)
    try:
        load_catalog_text(text, "fuzz.yaml")
    except CatalogError as error:
        assert error.issues
        for issue in error.issues:
            assert issue.field and issue.fix and issue.file == "fuzz.yaml"
        assert "Traceback" not in str(error)
