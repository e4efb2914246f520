"""Rendering the node-express template: answers, validation, and facts shared with the catalogue."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from companyos.catalog.model import TEMPLATE_LATENCY_BUCKETS_MS

from .conftest import FIRST_TAG, TEMPLATE_DIR, render

BUCKETS_MS = list(TEMPLATE_LATENCY_BUCKETS_MS["node-express"])


def test_a_rendered_service_is_named_after_its_answers_everywhere(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc", {"port": 9090, "latency_threshold_ms": 250, "risk": "high"})

    package = json.loads((project / "package.json").read_text())
    lock = json.loads((project / "package-lock.json").read_text())
    assert package["name"] == lock["name"] == lock["packages"][""]["name"] == "orders-api"
    assert package["dependencies"] == lock["packages"][""]["dependencies"]

    # service.yaml is the platform's file (one writer): the template leaves it out, so `copier update` cannot
    # conflict on it.
    assert not (project / "service.yaml").exists()
    assert "latency SLO threshold: 250 ms." in (project / "README.md").read_text()
    component = yaml.safe_load((project / "catalog-info.yaml").read_text())
    assert (component["kind"], component["metadata"]["name"], component["spec"]["owner"]) == (
        "Component",
        "orders-api",
        "team-orders",
    )
    assert component["metadata"]["annotations"]["paved-road/template-version"] == FIRST_TAG

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == FIRST_TAG
    assert answers["name"] == "orders-api"
    assert 'DEFAULT_PORT = 9090' in (project / "src" / "service-info.ts").read_text()
    assert "EXPOSE 9090" in (project / "Dockerfile").read_text()


def test_no_template_syntax_survives_rendering(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc")
    leftovers = [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file() and (path.suffix == ".jinja" or re.search(r"\{\{|\{%", path.read_text()))
    ]
    assert leftovers == []


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"name": "Orders_API"}, "DNS-1123"),
        ({"name": "orders-"}, "DNS-1123"),
        ({"name": "a" * 41}, "at most 40"),
        ({"owner": "Team Orders"}, "team slug"),
        ({"risk": "extreme"}, "risk"),
        ({"data_classification": "secret"}, "data_classification"),
        ({"port": 80}, "1024"),
        ({"latency_threshold_ms": 333}, "histogram buckets"),
    ],
)
def test_an_invalid_answer_is_refused_with_what_to_change(
    template_repo: Path, tmp_path: Path, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render(template_repo, tmp_path / "svc", answers)
    assert not (tmp_path / "svc" / "package.json").exists()


def test_the_template_measures_exactly_the_latency_buckets_the_catalogue_accepts() -> None:
    metrics_ts = (TEMPLATE_DIR / "template" / "src" / "metrics.ts").read_text()
    declared = re.search(r"LATENCY_BUCKETS_MS = \[([^\]]*)\]", metrics_ts)
    assert declared, "src/metrics.ts no longer declares LATENCY_BUCKETS_MS"
    assert [int(v) for v in declared.group(1).split(",")] == BUCKETS_MS

    validator = yaml.safe_load((TEMPLATE_DIR / "copier.yml").read_text())["latency_threshold_ms"]["validator"]
    listed = re.search(r"not in \[([^\]]*)\]", validator)
    assert listed, "copier.yml latency_threshold_ms validator no longer lists the buckets"
    assert [int(v) for v in listed.group(1).split(",")] == BUCKETS_MS


def test_every_catalogue_threshold_is_an_accepted_answer(template_repo: Path, tmp_path: Path) -> None:
    # The smallest and largest buckets are enough to show the bounds; the full list is compared above.
    for threshold in (BUCKETS_MS[0], BUCKETS_MS[-1]):
        project = render(template_repo, tmp_path / f"svc-{threshold}", {"latency_threshold_ms": threshold})
        assert f"latency SLO threshold: {threshold} ms." in (project / "README.md").read_text()
