"""The gate's policy config, one writer for CI's policy-gate job and the local release."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from companyos.ci_workflow.policy_config import ci_policy_config, gate_policy_config
from companyos.contracts.conventions import TRUSTED_KEY_POLICIES
from companyos.contracts.errors import UserError

KEY = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"


def test_on_a_pull_request_the_labels_are_the_pull_requests_governance_labels(tmp_path: Path) -> None:
    config = ci_policy_config(
        event_name="pull_request",
        pr_labels='["bug", "risk:high", "data-classification:internal"]',
        pr_number="7",
        service_dir=tmp_path,
        public_key=KEY,
    )
    assert config["pull-request-governance-labels"] == {
        "labels": ["data-classification:internal", "risk:high"],
        "source": "pull request #7 labels",
    }
    assert all(config[policy] == {"trusted_public_keys": [KEY]} for policy in TRUSTED_KEY_POLICIES)


def test_on_push_the_services_own_metadata_stands_in_for_labels(tmp_path: Path) -> None:
    (tmp_path / "service.yaml").write_text("risk: medium\ndata_classification: confidential\nowner: team-a\n")
    config = ci_policy_config(event_name="push", pr_labels="", pr_number="", service_dir=tmp_path, public_key="")
    assert config == {
        "pull-request-governance-labels": {
            "labels": ["data-classification:confidential", "risk:medium"],
            "source": "service.yaml",
        }
    }


@pytest.mark.parametrize("labels", ["not json", '{"risk:low": 1}', '[1, 2]'])
def test_malformed_pull_request_labels_are_refused(tmp_path: Path, labels: str) -> None:
    with pytest.raises(UserError, match="--pr-labels"):
        ci_policy_config(
            event_name="pull_request", pr_labels=labels, pr_number="1", service_dir=tmp_path, public_key=KEY
        )


def test_the_unscanned_waiver_is_only_there_when_asked() -> None:
    assert "image-vulnerability-threshold" not in gate_policy_config(labels=[], source="x", public_keys=[KEY])
    waived = gate_policy_config(labels=[], source="x", public_keys=[KEY], allow_unscanned=True)
    assert waived["image-vulnerability-threshold"] == {"allow_unscanned": True}


def test_the_cli_writes_what_ci_runs(tmp_path: Path) -> None:
    (tmp_path / "service.yaml").write_text("risk: low\ndata_classification: public\n")
    out = tmp_path / "out" / "policy" / "config.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "companyos.cli",
            "policy-config",
            "--event",
            "push",
            "--service-dir",
            str(tmp_path),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"COSIGN_PUBLIC_KEY": KEY, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    written = json.loads(out.read_text())
    assert written == json.loads(done.stdout)
    assert written["image-attestations-verified"] == {"trusted_public_keys": [KEY]}
