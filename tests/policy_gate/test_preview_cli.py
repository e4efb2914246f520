"""`companyos preview` end to end in a subprocess: the program under mocks, the pack over gRPC, exit codes, report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from companyos.contracts.release_record import write_release_record
from tests.conftest import REPO_ROOT
from tests.policy_gate.conftest import PACKS, assert_valid_report

COMPANYOS = Path(sys.executable).with_name("companyos")


def preview(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPANYOS), "preview", *map(str, args)],
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_preview_of_the_sample_catalogue_gates_every_registered_resource(tmp_path, signer) -> None:
    releases = tmp_path / "releases"
    write_release_record(signer.release("hello-prod"), releases / "hello-prod.json")
    report_path = tmp_path / "gate.json"
    done = preview("--releases-dir", releases, "--policy-pack", PACKS / "basic", "--json", report_path)
    # The test pack's stack policy wants a test:index:Thing, which the real program never registers.
    assert done.returncode == 1, done.stderr
    assert "[mandatory]  stack-has-thing  (stack)" in done.stdout
    assert "Traceback" not in done.stderr
    report = json.loads(report_path.read_text())
    assert_valid_report(report)
    assert report["resources"]["analyzed"] == report["resources"]["count"] > 20
    assert report["resources"]["by_type"]["kubernetes:apps/v1:Deployment"] == 1
    assert f"+ {report['resources']['count']} to create" in done.stdout
    assert report["durations_ms"]["program"] > 0


def test_an_invalid_catalogue_ends_the_preview_with_exit_2_and_a_report(tmp_path) -> None:
    catalog = tmp_path / "services.yaml"
    catalog.write_text("services:\n  - name: Not_A_Valid_Name\n")
    report_path = tmp_path / "gate.json"
    done = preview("--catalog", catalog, "--policy-pack", PACKS / "basic", "--json", report_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: policy gate could not run: the Pulumi program failed:")
    assert "Traceback" not in done.stderr
    report = json.loads(report_path.read_text())
    assert_valid_report(report)
    assert (report["verdict"], report["pack"]["name"]) == ("error", "gate-test-basic")


def test_a_release_record_without_a_service_is_refused_with_exit_2(tmp_path, signer) -> None:
    release = write_release_record(signer.release("hello-prod"), tmp_path / "hello-prod.json")
    done = preview("--release", release, "--policy-pack", PACKS / "basic")
    assert done.returncode == 2
    assert "paved-road:releaseRecord is set but paved-road:service is not" in done.stderr


def test_an_unreadable_policy_config_file_is_refused_with_exit_2(tmp_path) -> None:
    config = tmp_path / "config.json"
    config.write_text("{not json")
    done = preview("--policy-pack", PACKS / "basic", "--policy-pack-config", config)
    assert done.returncode == 2
    assert f"--policy-pack-config {config}: not JSON" in done.stderr
