"""dashboards/<service>.json is the generator's output for services.yaml, byte for byte."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from companyos.catalog import load_catalog
from companyos.contracts.errors import UserError
from companyos.observability.dashboard import dashboard_json, main, write_dashboard

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"

REGENERATE = "python -m companyos.observability.dashboard --catalog services.yaml --out dashboards"


@pytest.mark.parametrize("spec", load_catalog(REPO / "services.yaml").services, ids=lambda s: s.name)
def test_the_committed_dashboard_equals_the_generator_output(spec):
    committed = DASHBOARDS / f"{spec.name}.json"
    assert committed.is_file(), f"{committed} is missing; run `{REGENERATE}`"
    assert committed.read_text(encoding="utf-8") == dashboard_json(spec), (
        f"{committed} drifted from the generator; run `{REGENERATE}` and commit the result"
    )


def test_every_committed_dashboard_belongs_to_a_catalogue_service():
    names = set(load_catalog(REPO / "services.yaml").names())
    strays = sorted(p.name for p in DASHBOARDS.glob("*.json") if p.stem not in names)
    assert not strays, f"{strays} in dashboards/ match no service of services.yaml; delete them"


def test_write_dashboard_replaces_the_file_whole_and_leaves_no_temporary_behind(hello_prod, tmp_path):
    (tmp_path / "hello-prod.json").write_text("stale", encoding="utf-8")
    written = write_dashboard(hello_prod, tmp_path)
    assert written == tmp_path / "hello-prod.json"
    assert written.read_text(encoding="utf-8") == dashboard_json(hello_prod)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hello-prod.json"]
    assert written.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_the_previous_file_and_cleans_up(hello_prod, tmp_path):
    (tmp_path / "hello-prod.json").write_text("previous", encoding="utf-8")
    broken = dataclasses.replace(hello_prod, template="no-such-template")
    with pytest.raises(UserError, match="no-such-template"):
        write_dashboard(broken, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hello-prod.json"]
    assert (tmp_path / "hello-prod.json").read_text(encoding="utf-8") == "previous"


def test_the_regeneration_entry_point_writes_one_file_per_service(tmp_path, capsys):
    main(["--catalog", str(REPO / "services.yaml"), "--out", str(tmp_path), "--docs-base-url", "https://d.test"])
    written = sorted(p.stem for p in tmp_path.glob("*.json"))
    assert written == sorted(load_catalog(REPO / "services.yaml").names())
    links = json.loads((tmp_path / "hello-prod.json").read_text(encoding="utf-8"))["links"]
    assert links[0]["url"] == "https://d.test/docs/runbooks/hello-prod.md"
    assert "hello-prod.json" in capsys.readouterr().out
