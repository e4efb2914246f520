"""`companyos slo rules|openslo|doc` as a user runs it: exit 0 with a file written, 2 on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from companyos.observability.openslo import render_openslo
from companyos.observability.slo_doc import render_slo_doc
from companyos.observability.slo_rules import render_rules

from .slo_testkit import CATALOG, REPO, hello_prod

COMPANYOS = Path(sys.executable).with_name("companyos")

BAD_THRESHOLD_CATALOG = """\
services:
  - name: svc-bad
    owner: team-x
    risk: low
    data_classification: internal
    slo:
      latency: {threshold_ms: 301}
"""


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPANYOS), "slo", *args], capture_output=True, text=True, cwd=cwd, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("subcommand", "render"),
    [
        ("rules", lambda: render_rules(hello_prod())),
        ("openslo", lambda: render_openslo(hello_prod())),
        ("doc", lambda: render_slo_doc(hello_prod())),
    ],
)
def test_each_subcommand_writes_the_generated_file_and_exits_0(subcommand: str, render, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    result = run(subcommand, "--service", "hello-prod", "--catalog", str(CATALOG), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == render()
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"], "no temp file may be left behind"


def test_min_requests_reaches_the_rules_file(tmp_path: Path) -> None:
    out = tmp_path / "rules.yaml"
    result = run(
        "rules", "--service", "hello-prod", "--catalog", str(CATALOG), "--out", str(out), "--min-requests", "7"
    )
    assert result.returncode == 0, result.stderr
    alerts = [r for g in yaml.safe_load(out.read_text())["groups"] for r in g["rules"] if "alert" in r]
    assert all(">= 7\n" in a["expr"] for a in alerts)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["rules", "--service", "nope"], "--service nope: no such stanza"),
        (["rules", "--service", "hello-prod", "--min-requests", "-3"], "--min-requests"),
    ],
)
def test_bad_input_exits_2_with_the_field_named_and_writes_nothing(args: list[str], says: str, tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    result = run(*args, "--catalog", str(CATALOG), "--out", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_a_catalogue_threshold_off_the_buckets_exits_2_naming_the_field(tmp_path: Path) -> None:
    catalog = tmp_path / "services.yaml"
    catalog.write_text(BAD_THRESHOLD_CATALOG, encoding="utf-8")
    result = run("rules", "--service", "svc-bad", "--catalog", str(catalog), "--out", str(tmp_path / "r.yaml"))
    assert result.returncode == 2
    assert "slo.latency.threshold_ms" in result.stderr and "300" in result.stderr


def test_an_out_path_in_a_missing_folder_exits_2_and_says_so(tmp_path: Path) -> None:
    result = run(
        "rules", "--service", "hello-prod", "--catalog", str(CATALOG), "--out", str(tmp_path / "no" / "r.yaml")
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_a_failed_run_leaves_an_existing_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "rules.yaml"
    out.write_text("previous\n", encoding="utf-8")
    result = run("rules", "--service", "nope", "--catalog", str(CATALOG), "--out", str(out))
    assert result.returncode == 2
    assert out.read_text(encoding="utf-8") == "previous\n"
