"""Signatures pushed to and read from a real registry, in cosign's layout; every failure has its own reason."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from companyos.contracts.errors import UserError
from companyos.contracts.release_record import load_release_record
from companyos.supply_chain.cosign import (
    SIGNATURE_ANNOTATION,
    sign_image,
    signature_tag,
    verify_image,
)
from companyos.supply_chain.keys import public_key_fingerprint
from companyos.supply_chain.oci import OCI_MANIFEST, RegistryClient, RegistryError
from companyos.supply_chain.referrers import attach_artifact
from companyos.supply_chain.release import (
    ReleaseRejected,
    record_release,
    require_verified_release,
    signature_ref,
    verify_release,
)
from companyos.supply_chain.signature_store import registry_fetcher, registry_pusher
from companyos.supply_chain.simple_signing import SIMPLE_SIGNING_MEDIA_TYPE

from .conftest import PASSWORD, Keys, Registry, free_port, push_synthetic_image

COMPANYOS = Path(sys.executable).parent / "companyos"


@pytest.fixture
def repo(registry: Registry, request: pytest.FixtureRequest) -> str:
    # One repository per test (and per parameter), so tests cannot see each other's tags and signatures.
    unique = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
    return f"e2e/{request.node.originalname.lower().replace('_', '-')[:40].strip('-')}-{unique}"


def sign(registry: Registry, repo: str, digest: str, keys: Keys):  # type: ignore[no-untyped-def]
    return sign_image(
        f"{registry.address}/{repo}", digest, keys.private_key, registry_pusher(signer_public_pem=keys.public_pem)
    )


def test_a_signed_image_verifies_by_tag_and_by_digest(registry: Registry, repo: str, keys: Keys) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"release one")
    sign(registry, repo, digest, keys)

    for reference in (f"{registry.address}/{repo}:1.0.0", f"{registry.address}/{repo}@{digest}"):
        result = verify_image(reference, [keys.public_pem], registry_fetcher())
        assert result.verified, (reference, result)
        assert result.key_fingerprint == public_key_fingerprint(keys.public_pem)


def test_the_signature_is_stored_exactly_in_cosign_s_layout(registry: Registry, repo: str, keys: Keys) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"layout")
    layer = sign(registry, repo, digest, keys)

    manifest = registry.client.get_manifest(repo, signature_tag(digest))
    document = manifest.json()
    assert manifest.media_type == OCI_MANIFEST
    [descriptor] = document["layers"]
    assert descriptor["mediaType"] == SIMPLE_SIGNING_MEDIA_TYPE
    assert descriptor["annotations"] == {SIGNATURE_ANNOTATION: layer.signature_b64}
    assert registry.client.get_blob(repo, descriptor["digest"]) == layer.payload
    assert json.loads(layer.payload)["critical"]["image"]["docker-manifest-digest"] == digest


def test_signing_twice_with_two_keys_keeps_both_signatures(
    registry: Registry, repo: str, keys: Keys, other_keys: Keys
) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"two signers")
    sign(registry, repo, digest, keys)
    sign(registry, repo, digest, other_keys)
    sign(registry, repo, digest, keys)  # re-signing with the same key adds no duplicate layer

    assert len(registry.client.get_manifest(repo, signature_tag(digest)).json()["layers"]) == 2
    for trusted in (keys, other_keys):
        assert verify_image(f"{registry.address}/{repo}:1.0.0", [trusted.public_pem], registry_fetcher()).verified


def test_a_tag_re_pointed_to_an_unsigned_image_is_rejected_and_says_it_is_unsigned(
    registry: Registry, repo: str, keys: Keys
) -> None:
    signed = push_synthetic_image(registry.client, repo, "1.0.0", b"the release")
    sign(registry, repo, signed, keys)
    tampered = push_synthetic_image(registry.client, repo, "1.0.0", b"pushed over the release")

    result = verify_image(f"{registry.address}/{repo}:1.0.0", [keys.public_pem], registry_fetcher())

    assert (result.verified, result.reason) == (False, "no-signature")
    assert signature_tag(tampered) in result.detail


def test_a_tag_re_pointed_with_the_old_signature_copied_alongside_is_a_digest_mismatch(
    registry: Registry, repo: str, keys: Keys
) -> None:
    signed = push_synthetic_image(registry.client, repo, "1.0.0", b"the release")
    sign(registry, repo, signed, keys)
    tampered = push_synthetic_image(registry.client, repo, "1.0.0", b"pushed over the release")
    copied = registry.client.get_manifest(repo, signature_tag(signed))
    registry.client.put_manifest(repo, signature_tag(tampered), copied.data, copied.media_type)

    result = verify_image(f"{registry.address}/{repo}:1.0.0", [keys.public_pem], registry_fetcher())

    assert (result.verified, result.reason) == (False, "digest-mismatch")
    assert signed in result.detail and tampered in result.detail


def test_a_signature_by_an_untrusted_key_is_wrong_key(
    registry: Registry, repo: str, keys: Keys, other_keys: Keys
) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"signed by someone else")
    sign(registry, repo, digest, other_keys)

    result = verify_image(f"{registry.address}/{repo}@{digest}", [keys.public_pem], registry_fetcher())

    assert (result.verified, result.reason) == (False, "wrong-key")


def test_an_unsigned_digest_is_no_signature(registry: Registry, repo: str, keys: Keys) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"never signed")

    result = verify_image(f"{registry.address}/{repo}@{digest}", [keys.public_pem], registry_fetcher())

    assert (result.verified, result.reason) == (False, "no-signature")


@pytest.mark.parametrize(
    ("corruption", "reason"),
    [
        (lambda signature: signature[:-8], "bad-signature"),  # truncated in transit
        (lambda signature: "!!not base64!!", "bad-signature"),
        (
            lambda signature: base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x01").decode(),
            "wrong-key",
        ),  # valid DER, r=s=1
    ],
)
def test_a_corrupted_signature_annotation_is_rejected_with_its_own_reason(
    registry: Registry, repo: str, keys: Keys, corruption, reason: str
) -> None:  # type: ignore[no-untyped-def]
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"corrupted")
    sign(registry, repo, digest, keys)
    manifest = registry.client.get_manifest(repo, signature_tag(digest)).json()
    annotations = manifest["layers"][0]["annotations"]
    annotations[SIGNATURE_ANNOTATION] = corruption(annotations[SIGNATURE_ANNOTATION])
    registry.client.put_manifest(repo, signature_tag(digest), json.dumps(manifest).encode(), OCI_MANIFEST)

    result = verify_image(f"{registry.address}/{repo}@{digest}", [keys.public_pem], registry_fetcher())

    assert (result.verified, result.reason) == (False, reason)


def test_signing_against_a_registry_that_is_down_fails_clearly(keys: Keys) -> None:
    down = f"127.0.0.1:{free_port()}"

    with pytest.raises(UserError, match=rf"cannot push the signature to {down}/app.*did not answer"):
        sign_image(f"{down}/app", "sha256:" + "0" * 64, keys.private_key, registry_pusher())


def test_verifying_against_a_registry_that_is_down_fails_clearly_not_as_a_rejection(keys: Keys) -> None:
    down = f"127.0.0.1:{free_port()}"

    with pytest.raises(UserError, match="did not answer") as raised:
        verify_image(f"{down}/app:1.0.0", [keys.public_pem], registry_fetcher())
    assert raised.value.exit_code == 2


def test_attaching_to_a_registry_that_is_down_raises_and_writes_nothing(registry: Registry, repo: str) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"subject")
    subject = registry.client.get_manifest(repo, digest)

    with pytest.raises(RegistryError, match="did not answer"):
        attach_artifact(
            RegistryClient(f"127.0.0.1:{free_port()}"),
            repo,
            subject,
            artifact_type="application/vnd.cyclonedx+json",
            data=b"{}",
        )
    with pytest.raises(RegistryError) as missing:
        registry.client.get_manifest(repo, digest.replace(":", "-"))
    assert missing.value.status == 404


def _release(registry: Registry, repo: str, keys: Keys, work: Path, digest: str):  # type: ignore[no-untyped-def]
    layer = sign(registry, repo, digest, keys)
    record, path = record_release(
        service="orders-api",
        version="1.0.0",
        image_repository=f"{registry.address}/{repo}",
        digest=digest,
        tag="1.0.0",
        sbom_path=None,
        sbom_location="",
        signature=signature_ref(layer, public_key_fingerprint(keys.public_pem)),
        scan=None,
        git_commit="0" * 40,
        work=work,
    )
    return record, path


def test_a_recorded_release_loads_back_and_verifies_before_deploy(
    registry: Registry, repo: str, keys: Keys, work: Path
) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"deployable")
    record, path = _release(registry, repo, keys, work, digest)

    assert load_release_record(path) == record
    assert record.scan.status == "not-scanned"
    assert require_verified_release(record, [keys.public_pem], registry_fetcher()).verified


def test_a_release_whose_tag_was_pushed_over_is_refused_before_deploy(
    registry: Registry, repo: str, keys: Keys, work: Path
) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"deployable")
    record, _ = _release(registry, repo, keys, work, digest)
    push_synthetic_image(registry.client, repo, "1.0.0", b"pushed over")

    with pytest.raises(ReleaseRejected, match="tag was re-pointed") as raised:
        require_verified_release(record, [keys.public_pem], registry_fetcher())
    assert raised.value.result.reason == "digest-mismatch" and raised.value.exit_code == 1


def test_a_release_verified_with_the_wrong_key_is_refused(
    registry: Registry, repo: str, keys: Keys, other_keys: Keys, work: Path
) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"deployable")
    record, _ = _release(registry, repo, keys, work, digest)

    assert verify_release(record, [other_keys.public_pem], registry_fetcher()).reason == "wrong-key"


def test_sign_and_verify_on_the_command_line(registry: Registry, repo: str, keys: Keys, tmp_path: Path) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"cli")
    key, pub = tmp_path / "cosign.key", tmp_path / "cosign.pub"
    key.write_bytes(keys.private_pem)
    pub.write_bytes(keys.public_pem)
    env = {**os.environ, "COSIGN_PASSWORD": PASSWORD.decode()}
    image = f"{registry.address}/{repo}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(COMPANYOS), *args], capture_output=True, text=True, env=env, timeout=60, check=False)

    by_tag_unsigned = run("verify", f"{image}:1.0.0", "--key", str(pub))
    assert by_tag_unsigned.returncode == 1 and by_tag_unsigned.stdout.startswith("no-signature")
    assert run("sign", f"{image}:1.0.0", "--key", str(key)).returncode == 2  # a tag is not signable
    signed = run("sign", f"{image}@{digest}", "--key", str(key), "--out", str(tmp_path / "signature.json"))
    assert signed.returncode == 0, signed.stderr
    assert json.loads((tmp_path / "signature.json").read_text())["ref"] == f"{image}:{signature_tag(digest)}"
    for reference in (f"{image}:1.0.0", f"{image}@{digest}"):
        verified = run("verify", reference, "--key", str(pub))
        assert verified.returncode == 0 and verified.stdout.startswith("verified"), verified.stdout + verified.stderr
    env["SIGNING_KEY"] = keys.private_pem.decode()  # cosign's env:// form, as CI passes the key
    assert run("sign", f"{image}@{digest}", "--key", "env://SIGNING_KEY").returncode == 0
    assert len(registry.client.get_manifest(repo, signature_tag(digest)).json()["layers"]) == 1


def test_verify_with_a_digest_checks_the_tag_still_points_at_the_digest_being_deployed(
    registry: Registry, repo: str, keys: Keys, tmp_path: Path
) -> None:
    digest = push_synthetic_image(registry.client, repo, "1.0.0", b"deployed")
    sign(registry, repo, digest, keys)
    pub = tmp_path / "cosign.pub"
    pub.write_bytes(keys.public_pem)
    image = f"{registry.address}/{repo}"

    def verify_cli(reference: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(COMPANYOS), "verify", reference, "--key", str(pub), "--digest", digest],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert verify_cli(f"{image}:1.0.0").returncode == 0
    assert verify_cli(f"{image}@{digest}").returncode == 0
    push_synthetic_image(registry.client, repo, "1.0.0", b"pushed over")
    moved = verify_cli(f"{image}:1.0.0")
    assert moved.returncode == 1 and moved.stdout.startswith("digest-mismatch") and "re-pointed" in moved.stdout
