"""`companyos keygen`, `sign-payload` and `verify` as a user runs them: real subprocess, real exit codes."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from .helpers import COMPANYOS, INTEROP

DIGEST = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"  # of the interop manifest
MANIFEST = INTEROP / "valid" / "manifest.json"


def run(*args: str | Path, cwd: Path, password: str | None = "pw") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "COSIGN_PASSWORD"}
    if password is not None:
        env["COSIGN_PASSWORD"] = password
    return subprocess.run(
        [str(COMPANYOS), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=60
    )


@pytest.fixture(scope="module")
def signed_dir(tmp_path_factory) -> Path:
    """A key pair made by `companyos keygen` and a signature made by `companyos sign-payload`."""
    work = tmp_path_factory.mktemp("cli")
    assert run("keygen", cwd=work).returncode == 0
    signed = run(
        "sign-payload",
        "--key",
        "cosign.key",
        "--reference",
        "registry.example.com/team/app:1.0",
        "--digest",
        DIGEST,
        "--out-dir",
        "sig",
        "-a",
        "commit=0a1b2c",
        cwd=work,
    )
    assert signed.returncode == 0, signed.stderr
    return work


def test_keygen_writes_a_private_key_only_its_owner_can_read_and_a_public_key(signed_dir):
    assert stat.S_IMODE((signed_dir / "cosign.key").stat().st_mode) == 0o600
    assert (signed_dir / "cosign.key").read_bytes().startswith(b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
    assert (signed_dir / "cosign.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----\n")
    assert not [path.name for path in signed_dir.iterdir() if path.name.endswith(".tmp")]


def test_keygen_refuses_to_overwrite_a_key_pair_without_force(tmp_path):
    assert run("keygen", "--output-key-prefix", "release", cwd=tmp_path).returncode == 0
    before = (tmp_path / "release.key").read_bytes()
    refused = run("keygen", "--output-key-prefix", "release", cwd=tmp_path)
    assert refused.returncode == 2 and "release.key already exists; pass --force" in refused.stderr
    assert (tmp_path / "release.key").read_bytes() == before
    forced = run("keygen", "--output-key-prefix", "release", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and (tmp_path / "release.key").read_bytes() != before


def test_keygen_without_cosign_password_says_how_to_set_it(tmp_path):
    result = run("keygen", cwd=tmp_path, password=None)
    assert result.returncode == 2
    assert "COSIGN_PASSWORD is not set" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


def test_sign_payload_writes_cosigns_payload_and_signature_files(signed_dir):
    payload = json.loads((signed_dir / "sig" / "payload.json").read_bytes())
    assert payload["critical"]["image"]["docker-manifest-digest"] == DIGEST
    assert payload["critical"]["identity"]["docker-reference"] == "registry.example.com/team/app"
    assert payload["optional"] == {"commit": "0a1b2c"}
    # A DER ECDSA signature is 70-72 bytes, so its base64 may or may not end in padding: decode it instead.
    text = (signed_dir / "sig" / "signature.b64").read_text()
    assert text.endswith("\n")
    der = base64.b64decode(text.strip(), validate=True)
    assert der[0] == 0x30 and 68 <= len(der) <= 72


def test_verify_exits_0_for_a_signature_by_the_trusted_key(signed_dir):
    result = run(
        "verify",
        "--payload",
        "sig/payload.json",
        "--signature",
        "sig/signature.b64",
        "--manifest",
        MANIFEST,
        "--digest",
        DIGEST,
        "--reference",
        "registry.example.com/team/app",
        "--key",
        "cosign.pub",
        cwd=signed_dir,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("verified: ")


def test_verify_exits_1_with_the_reason_as_json_for_another_key(signed_dir):
    result = run(
        "verify",
        "--payload",
        "sig/payload.json",
        "--signature",
        "sig/signature.b64",
        "--manifest",
        MANIFEST,
        "--key",
        INTEROP / "cosign.pub",
        "--json",
        cwd=signed_dir,
    )
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["verified"], report["reason"], report["key_fingerprint"]) == (False, "wrong-key", None)


def test_verify_exits_1_and_prints_the_reason_code_for_a_re_pointed_tag(signed_dir):
    result = run(
        "verify",
        "--payload",
        "sig/payload.json",
        "--signature",
        "sig/signature.b64",
        "--digest",
        "sha256:" + "e" * 64,
        "--key",
        "cosign.pub",
        cwd=signed_dir,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("digest-mismatch: the signature covers " + DIGEST)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "verify",
                "--payload",
                "missing.json",
                "--signature",
                "sig/signature.b64",
                "--digest",
                DIGEST,
                "--key",
                "cosign.pub",
            ],
            "cannot read --payload missing.json",
        ),
        # Nothing listens on loopback port 9 (discard): a registry that is down is an input error, not a rejection.
        (["verify", "127.0.0.1:9/team/app:1.0", "--key", "cosign.pub"], "registry 127.0.0.1:9 did not answer"),
        (
            ["verify", "--payload", "sig/payload.json", "--signature", "sig/signature.b64", "--key", "cosign.pub"],
            "pass --digest",
        ),
        (
            [
                "verify",
                "--payload",
                "sig/payload.json",
                "--signature",
                "sig/signature.b64",
                "--digest",
                DIGEST,
                "--key",
                "cosign.key",
            ],
            "cosign.key: not a PEM 'PUBLIC KEY' block",
        ),
    ],
)
def test_verify_exits_2_on_input_it_cannot_use(signed_dir, args, message):
    result = run(*args, cwd=signed_dir)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_sign_payload_with_the_wrong_password_exits_2_naming_the_key(signed_dir, tmp_path):
    result = run(
        "sign-payload",
        "--key",
        signed_dir / "cosign.key",
        "--reference",
        "registry.example.com/team/app",
        "--digest",
        DIGEST,
        "--out-dir",
        tmp_path / "out",
        cwd=tmp_path,
        password="wrong",
    )
    assert result.returncode == 2
    assert f"wrong COSIGN_PASSWORD for {signed_dir / 'cosign.key'}" in result.stderr
    assert not (tmp_path / "out").exists()
