"""Attestations pushed to and read back from a real registry in cosign's layout, through the CLI as CI runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from companyos.supply_chain.cosign import SIGNATURE_ANNOTATION, attest_image, attestation_tag
from companyos.supply_chain.dsse import DSSE_MEDIA_TYPE
from companyos.supply_chain.go_json import go_marshal
from companyos.supply_chain.intoto import CYCLONEDX_PREDICATE, SLSA_PROVENANCE_V1, VULN_PREDICATE
from companyos.supply_chain.signature_store import push_attestation
from tests.conftest import sample_sbom

from .conftest import PASSWORD, Keys, Registry, push_synthetic_image

COMPANYOS = Path(sys.executable).parent / "companyos"
GRYPE = {"matches": [], "descriptor": {"name": "grype", "version": "0.87.0", "db": {"schemaVersion": "v6"}}}


def companyos(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPANYOS), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COSIGN_PASSWORD": PASSWORD.decode()},
        check=False,
    )


COMMIT = "c" * 40


def record(image: str, *, sbom: str, scan: str, out: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`companyos record` as the CI sign job runs it, with the files the `released` fixture wrote in `cwd`."""
    return companyos(
        "record",
        "hello-prod",
        "--image",
        image,
        "--version",
        "0.1.0",
        "--git-commit",
        COMMIT,
        "--sbom",
        sbom,
        "--scan",
        scan,
        "--signatures",
        "signatures.json",
        "--key",
        "cosign.pub",
        "--attestations",
        "attestations.jsonl",
        "--out",
        out,
        cwd=cwd,
    )


@pytest.fixture
def released(registry: Registry, keys: Keys, tmp_path: Path) -> tuple[Path, str, str]:
    """An image signed and attested (SBOM, scan, provenance) with `companyos sign`/`attest`, and its record."""
    repository = f"{registry.address}/team/hello-prod"
    digest = push_synthetic_image(registry.client, "team/hello-prod", "0.1.0", tmp_path.name.encode())
    image = f"{repository}@{digest}"
    (tmp_path / "cosign.key").write_bytes(keys.private_pem)
    (tmp_path / "cosign.pub").write_bytes(keys.public_pem)
    # As `companyos sbom`/`sbom-merge` write it: Go's marshalling, the form the attestation binds.
    (tmp_path / "sbom.cdx.json").write_bytes(go_marshal(sample_sbom("hello-prod", "0.1.0")))
    (tmp_path / "grype.json").write_text(json.dumps(GRYPE))
    service = tmp_path / "svc"
    service.mkdir()
    (service / "Dockerfile").write_text(f"ARG BASE_IMAGE=docker.io/library/node@sha256:{'2' * 64}\nFROM $BASE_IMAGE\n")
    for args in (
        ["predicate", "vuln", "grype.json", "--out", "vuln.json"],
        [
            "predicate",
            "provenance",
            service,
            "--service",
            "hello-prod",
            "--version",
            "0.1.0",
            "--git-commit",
            COMMIT,
            "--source-uri",
            "git+https://github.com/acme/hello-prod@refs/heads/main",
            "--builder-id",
            "https://github.com/acme/hello-prod/.github/workflows/ci.yml@refs/heads/main",
            "--invocation-id",
            "run-1",
            "--out",
            "provenance.json",
        ],
        ["sign", image, "--key", "cosign.key"],
    ):
        done = companyos(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    lines = []
    for kind, predicate in (
        ("cyclonedx", "sbom.cdx.json"),
        ("vuln", "vuln.json"),
        ("slsaprovenance1", "provenance.json"),
    ):
        done = companyos(
            "attest",
            image,
            "--key",
            "cosign.key",
            "--type",
            kind,
            "--predicate",
            predicate,
            "--out",
            f"{kind}.dsse.json",
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert f"attestation: {repository}:{attestation_tag(digest)}" in done.stdout
        lines.append((tmp_path / f"{kind}.dsse.json").read_text())
    (tmp_path / "attestations.jsonl").write_text("".join(lines))
    signatures = subprocess.run(
        [sys.executable, "-c", _DOWNLOAD_SIGNATURES, image], capture_output=True, text=True, check=True
    ).stdout
    (tmp_path / "signatures.json").write_text(signatures)
    done = record(image, sbom="sbom.cdx.json", scan="grype.json", out="release.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path, image, digest


# `cosign download signature` output (one JSON object per signature), from the registry via our fetcher.
_DOWNLOAD_SIGNATURES = """
import base64, json, sys
from companyos.supply_chain.signature_store import registry_fetcher
_, _, signatures = registry_fetcher()(sys.argv[1])
for payload, signature in signatures:
    print(json.dumps({"Base64Signature": signature, "Payload": base64.b64encode(payload).decode()}))
"""


def test_attestations_are_stored_as_cosign_stores_them(released, registry: Registry) -> None:
    _, image, digest = released
    manifest = registry.client.get_manifest("team/hello-prod", attestation_tag(digest)).json()
    layers = manifest["layers"]
    assert [layer["mediaType"] for layer in layers] == [DSSE_MEDIA_TYPE] * 3
    assert [layer["annotations"]["predicateType"] for layer in layers] == [
        CYCLONEDX_PREDICATE,
        VULN_PREDICATE,
        SLSA_PROVENANCE_V1,
    ]
    assert all(layer["annotations"][SIGNATURE_ANNOTATION] == "" for layer in layers)
    envelope = json.loads(registry.client.get_blob("team/hello-prod", layers[0]["digest"]))
    assert list(envelope) == ["payloadType", "payload", "signatures"]
    assert envelope["signatures"][0]["keyid"] == ""


def test_the_record_carries_them_and_they_verify_from_the_record_and_the_registry(released) -> None:
    folder, _, _ = released
    record = json.loads((folder / "release.json").read_text())
    assert [a["predicate_type"] for a in record["attestations"]] == [
        CYCLONEDX_PREDICATE,
        VULN_PREDICATE,
        SLSA_PROVENANCE_V1,
    ]
    for extra in ([], ["--from-registry"]):
        done = companyos("verify-attestations", "release.json", "--key", "cosign.pub", *extra, cwd=folder)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("attestations: verified for ")


def test_a_strangers_attestation_in_the_registry_is_left_out_but_in_a_record_it_is_refused(
    released, other_keys: Keys
) -> None:
    folder, image, digest = released
    repository = image.split("@")[0]
    layer = attest_image(
        repository,
        digest,
        CYCLONEDX_PREDICATE,
        {"bomFormat": "CycloneDX", "components": []},
        other_keys.private_key,
        push_attestation,
    )
    done = companyos(
        "verify-attestations", "release.json", "--key", "cosign.pub", "--from-registry", "--json", cwd=folder
    )
    verdict = json.loads(done.stdout)
    assert done.returncode == 0 and verdict["verified"] is True
    assert len(verdict["ignored"]) == 1 and "is not signed by a trusted key" in verdict["ignored"][0]
    record = json.loads((folder / "release.json").read_text())
    record["attestations"].append(
        {
            "predicate_type": CYCLONEDX_PREDICATE,
            "ref": f"{repository}:{layer.tag}",
            "envelope": json.loads(layer.envelope),
        }
    )
    (folder / "smuggled.json").write_text(json.dumps(record))
    done = companyos("verify-attestations", "smuggled.json", "--key", "cosign.pub", cwd=folder)
    assert done.returncode == 1
    assert "attestation #4 is not signed by a trusted key" in done.stdout


def test_record_refuses_an_sbom_file_that_is_not_in_its_attested_form(released) -> None:
    folder, image, _ = released
    (folder / "pretty.cdx.json").write_text(json.dumps(sample_sbom("hello-prod", "0.1.0"), indent=2))
    done = record(image, sbom="pretty.cdx.json", scan="grype.json", out="other.json", cwd=folder)
    assert done.returncode == 2 and "not in the form an SBOM attestation binds" in done.stderr, done.stderr
    assert not (folder / "other.json").exists()


def test_record_refuses_attestations_that_do_not_vouch_for_the_release(released) -> None:
    folder, image, _ = released
    (folder / "grype-critical.json").write_text(
        json.dumps(
            {
                **GRYPE,
                "matches": [
                    {
                        "vulnerability": {
                            "id": "CVE-2026-0001",
                            "severity": "Critical",
                            "cvss": [{"metrics": {"baseScore": 9.8}}],
                        },
                        "artifact": {"name": "express", "version": "5.1.0"},
                    }
                ],
            }
        )
    )
    done = record(image, sbom="sbom.cdx.json", scan="grype-critical.json", out="other.json", cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "is not the latest attested scan" in done.stderr and "Traceback" not in done.stderr
    assert not (folder / "other.json").exists()
