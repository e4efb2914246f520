"""The gate records what it judged (catalogue, release records, every config value and its source) and refuses
stack config from the caller's environment unless told to accept it, which it then records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from companyos.contracts.release_record import write_release_record
from companyos.policy_gate.inputs import WITHHELD, environment_config, gate_inputs, sha256_of
from companyos.policy_gate.preview import PreviewOptions, run_preview, stack_config_sources
from tests.conftest import REPO_ROOT
from tests.policy_gate.conftest import PACKS, assert_valid_report

COMPANYOS = Path(sys.executable).with_name("companyos")


@pytest.mark.parametrize(
    ("environ", "keys"),
    [
        ({"PULUMI_CONFIG_PAVED_ROAD_MANAGEREPOSITORY": "false"}, ["PULUMI_CONFIG_PAVED_ROAD_MANAGEREPOSITORY"]),
        ({"PULUMI_CONFIG": json.dumps({"paved-road:catalog": "/tmp/other.yaml"})}, ["paved-road:catalog"]),
        ({"PULUMI_CONFIG_GITHUB_TOKEN": "ghp-x"}, ["PULUMI_CONFIG_GITHUB_TOKEN"]),
        ({"PULUMI_CONFIG_PASSPHRASE": "p", "PULUMI_CONFIG_SECRET_KEYS": "[]", "HOME": "/root"}, []),
    ],
)
def test_every_config_variable_of_the_environment_is_found_and_the_cli_own_variables_are_not(environ, keys) -> None:
    assert [item.key for item in environment_config(environ)] == keys


def test_a_value_outside_the_platform_namespace_is_never_recorded() -> None:
    found = environment_config(
        {
            "PULUMI_CONFIG_GITHUB_TOKEN": "ghp-secret",
            "PULUMI_CONFIG": json.dumps({"github:token": "ghp-secret", "paved-road:service": "x"}),
        }
    )
    assert {item.key: item.value for item in found} == {
        "github:token": WITHHELD,
        "paved-road:service": "x",
        "PULUMI_CONFIG_GITHUB_TOKEN": WITHHELD,
    }


def test_the_inputs_name_the_catalogue_and_release_records_with_their_digests_and_each_value_its_source(
    tmp_path, signer
) -> None:
    releases = tmp_path / "releases"
    write_release_record(signer.release("hello-prod"), releases / "hello-prod.json")
    sources = stack_config_sources(
        PreviewOptions(project_dir=REPO_ROOT, releases_dir=releases, service="hello-prod"), "paved-road"
    )
    inputs = gate_inputs(REPO_ROOT, sources, None)
    catalog = REPO_ROOT / "services.yaml"
    assert inputs["catalog"] == {"path": str(catalog), "sha256": sha256_of(catalog)}
    assert inputs["release_records"] == [
        {"path": str(releases / "hello-prod.json"), "sha256": sha256_of(releases / "hello-prod.json")}
    ]
    by_key = {c["key"]: c for c in inputs["config"]}
    assert by_key["paved-road:service"] == {
        "key": "paved-road:service",
        "value": "hello-prod",
        "source": "flag --service",
    }
    assert by_key["paved-road:environment"]["source"] == "Pulumi.dev.yaml"


def test_the_pack_digest_changes_with_any_file_of_the_pack(tmp_path) -> None:
    from companyos.policy_gate.inputs import tree_digest

    pack = tmp_path / "pack"
    (pack / "rules").mkdir(parents=True)
    (pack / "rules" / "a.py").write_text("x = 1\n")
    before = tree_digest(pack)
    (pack / "rules" / "a.py").write_text("x = 2\n")
    assert tree_digest(pack) != before and str(before).startswith("sha256:")
    assert tree_digest(tmp_path / "absent") is None


def test_an_accepted_environment_catalogue_is_the_one_recorded(tmp_path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("services: []\n")
    environ = {"PULUMI_CONFIG_PAVED_ROAD_CATALOG": str(other)}
    inputs = gate_inputs(REPO_ROOT, environment_config(environ), environ)
    assert inputs["catalog"]["path"] == str(other) and inputs["catalog"]["sha256"] == sha256_of(other)


@pytest.mark.parametrize("variable", ["PULUMI_CONFIG_PAVED_ROAD_MANAGEREPOSITORY", "PULUMI_CONFIG"])
def test_environment_config_ends_the_preview_with_exit_2_unless_accepted_and_then_it_is_recorded(
    tmp_path, signer, variable
) -> None:
    releases = tmp_path / "releases"
    write_release_record(signer.release("hello-prod"), releases / "hello-prod.json")
    value = "false" if variable != "PULUMI_CONFIG" else json.dumps({"paved-road:manageRepository": "false"})
    refused = run_preview(
        PreviewOptions(
            project_dir=REPO_ROOT,
            releases_dir=releases,
            service="hello-prod",
            pack_dir=PACKS / "basic",
            environ={variable: value},
        )
    )
    assert refused.exit_code == 2 and "the environment sets stack config" in (refused.error or "")
    assert "--allow-env-config" in (refused.error or "")
    assert_valid_report(refused.to_report())
    accepted = run_preview(
        PreviewOptions(
            project_dir=REPO_ROOT,
            releases_dir=releases,
            service="hello-prod",
            pack_dir=PACKS / "basic",
            environ={variable: value},
            allow_env_config=True,
        )
    )
    assert accepted.error is None
    recorded = [c for c in accepted.to_report()["inputs"]["config"] if c["source"].startswith("environment")]
    assert recorded and {c["key"] for c in recorded} <= {
        "PULUMI_CONFIG_PAVED_ROAD_MANAGEREPOSITORY",
        "paved-road:manageRepository",
    }


def test_the_cli_prints_the_inputs_and_refuses_environment_config(tmp_path, signer) -> None:
    releases = tmp_path / "releases"
    write_release_record(signer.release("hello-prod"), releases / "hello-prod.json")
    args = [
        str(COMPANYOS),
        "preview",
        "--service",
        "hello-prod",
        "--releases-dir",
        str(releases),
        "--policy-pack",
        str(PACKS / "basic"),
    ]
    clean = subprocess.run(
        args,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert "Inputs:" in clean.stdout and "paved-road:service = hello-prod  [flag --service]" in clean.stdout
    assert f"policy pack {(PACKS / 'basic').resolve()} (sha256:" in clean.stdout
    dirty = subprocess.run(
        args,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PULUMI_CONFIG_PAVED_ROAD_CATALOG": "/tmp/elsewhere.yaml"},
    )
    assert dirty.returncode == 2, dirty.stdout + dirty.stderr
    assert "PULUMI_CONFIG_PAVED_ROAD_CATALOG=/tmp/elsewhere.yaml" in dirty.stderr and "Traceback" not in dirty.stderr


def test_the_pack_runs_under_the_gates_exceptions_never_one_the_callers_environment_names(
    tmp_path, monkeypatch
) -> None:
    from companyos.policy_gate.pack_process import pack_environment

    monkeypatch.setenv("PAVED_ROAD_POLICY_EXCEPTIONS", "/tmp/attacker-exceptions.yaml")
    plain = pack_environment(project="p", stack="s", organization="o", dry_run=True, config={})
    assert "PAVED_ROAD_POLICY_EXCEPTIONS" not in plain
    given = pack_environment(
        project="p",
        stack="s",
        organization="o",
        dry_run=True,
        config={},
        exceptions_file=tmp_path / "policy-exceptions.yaml",
    )
    assert given["PAVED_ROAD_POLICY_EXCEPTIONS"] == str(tmp_path / "policy-exceptions.yaml")
