"""verify_image / sign_image with injected registry I/O: tampered tags, missing and multiple signatures."""

from __future__ import annotations

import hashlib

import pytest

from companyos.supply_chain.cosign import SIGNATURE_ANNOTATION, SignatureLayer, sign_image, signature_tag, verify_image
from companyos.supply_chain.sign import sign_payload
from companyos.supply_chain.simple_signing import SIMPLE_SIGNING_MEDIA_TYPE, simple_signing_payload

SIGNED_MANIFEST = b'{"schemaVersion":2,"layers":[{"digest":"sha256:' + b"1" * 64 + b'"}]}'
SIGNED_DIGEST = "sha256:" + hashlib.sha256(SIGNED_MANIFEST).hexdigest()
ATTACKER_MANIFEST = b'{"schemaVersion":2,"layers":[{"digest":"sha256:' + b"6" * 64 + b'"}]}'
ATTACKER_DIGEST = "sha256:" + hashlib.sha256(ATTACKER_MANIFEST).hexdigest()
REPOSITORY = "registry.example.com/payments/api"


class FakeRegistry:
    """Tags -> digests, digests -> manifests, signature tags -> [(payload, signature)], as a registry holds them."""

    def __init__(self) -> None:
        self.tags: dict[str, str] = {}
        self.manifests: dict[str, bytes] = {}
        self.signatures: dict[str, list[tuple[bytes, str]]] = {}
        self.pushed: list[SignatureLayer] = []

    def put_image(self, tag: str, manifest: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
        self.tags[tag] = digest
        self.manifests[digest] = manifest
        return digest

    def push(self, layer: SignatureLayer) -> None:
        self.pushed.append(layer)
        self.signatures.setdefault(layer.tag, []).append((layer.payload, layer.signature_b64))

    def fetch(self, reference: str) -> tuple[str, bytes, list[tuple[bytes, str]]]:
        name, _, pinned = reference.partition("@")
        digest = pinned or self.tags[name.rsplit(":", 1)[1]]
        return digest, self.manifests[digest], self.signatures.get(signature_tag(digest), [])


@pytest.fixture
def registry(key_pair) -> FakeRegistry:
    registry = FakeRegistry()
    registry.put_image("1.4.2", SIGNED_MANIFEST)
    sign_image(REPOSITORY + ":1.4.2", SIGNED_DIGEST, key_pair.private_key, registry.push)
    return registry


def test_a_signed_image_verifies_by_tag_and_by_digest(key_pair, registry):
    for reference in (REPOSITORY + ":1.4.2", REPOSITORY + "@" + SIGNED_DIGEST):
        result = verify_image(reference, [key_pair.public_pem], registry.fetch)
        assert result.verified, result.detail


def test_sign_image_pushes_one_cosign_layer_under_the_digest_signature_tag(key_pair, registry):
    (layer,) = registry.pushed
    assert layer.repository == REPOSITORY
    assert layer.tag == "sha256-" + SIGNED_DIGEST.removeprefix("sha256:") + ".sig"
    assert layer.payload == simple_signing_payload(REPOSITORY, SIGNED_DIGEST)
    assert layer.descriptor() == {
        "mediaType": SIMPLE_SIGNING_MEDIA_TYPE,
        "size": len(layer.payload),
        "digest": "sha256:" + hashlib.sha256(layer.payload).hexdigest(),
        "annotations": {SIGNATURE_ANNOTATION: layer.signature_b64},
    }


def test_a_tag_re_pointed_to_an_unsigned_image_with_the_old_signature_copied_is_a_digest_mismatch(key_pair, registry):
    old_signatures = registry.signatures[signature_tag(SIGNED_DIGEST)]
    registry.put_image("1.4.2", ATTACKER_MANIFEST)
    registry.signatures[signature_tag(ATTACKER_DIGEST)] = list(old_signatures)
    result = verify_image(REPOSITORY + ":1.4.2", [key_pair.public_pem], registry.fetch)
    assert result.reason == "digest-mismatch"
    assert SIGNED_DIGEST in result.detail and ATTACKER_DIGEST in result.detail


def test_a_tag_re_pointed_to_an_unsigned_image_is_no_signature(key_pair, registry):
    registry.put_image("1.4.2", ATTACKER_MANIFEST)
    result = verify_image(REPOSITORY + ":1.4.2", [key_pair.public_pem], registry.fetch)
    assert result.reason == "no-signature"
    assert signature_tag(ATTACKER_DIGEST) in result.detail


def test_a_registry_serving_another_manifest_for_a_pinned_digest_is_a_digest_mismatch(key_pair, registry):
    def lying_fetch(reference):
        return ATTACKER_DIGEST, ATTACKER_MANIFEST, registry.signatures[signature_tag(SIGNED_DIGEST)]

    result = verify_image(REPOSITORY + "@" + SIGNED_DIGEST, [key_pair.public_pem], lying_fetch)
    assert result.reason == "digest-mismatch"


def test_a_registry_serving_a_manifest_that_does_not_hash_to_its_digest_is_a_digest_mismatch(key_pair, registry):
    def lying_fetch(reference):
        return SIGNED_DIGEST, ATTACKER_MANIFEST, registry.signatures[signature_tag(SIGNED_DIGEST)]

    assert verify_image(REPOSITORY + ":1.4.2", [key_pair.public_pem], lying_fetch).reason == "digest-mismatch"


def test_one_trusted_signature_among_strangers_is_enough(key_pair, other_key_pair, registry):
    stranger_payload = simple_signing_payload(REPOSITORY, SIGNED_DIGEST, {"by": "someone else"})
    registry.signatures[signature_tag(SIGNED_DIGEST)].insert(
        0, (stranger_payload, sign_payload(other_key_pair.private_key, stranger_payload))
    )
    assert verify_image(REPOSITORY + ":1.4.2", [key_pair.public_pem], registry.fetch).verified


def test_when_every_signature_fails_the_most_telling_reason_is_reported(key_pair, other_key_pair, registry):
    registry.put_image("1.4.2", ATTACKER_MANIFEST)
    stranger_payload = simple_signing_payload(REPOSITORY, ATTACKER_DIGEST)
    registry.signatures[signature_tag(ATTACKER_DIGEST)] = [
        (stranger_payload, sign_payload(other_key_pair.private_key, stranger_payload)),
        *registry.signatures[signature_tag(SIGNED_DIGEST)],
    ]
    assert verify_image(REPOSITORY + ":1.4.2", [key_pair.public_pem], registry.fetch).reason == "digest-mismatch"


def test_an_image_copied_to_another_repository_is_a_reference_mismatch_unless_that_check_is_off(key_pair, registry):
    def copied(reference):
        return SIGNED_DIGEST, SIGNED_MANIFEST, registry.signatures[signature_tag(SIGNED_DIGEST)]

    mirror = "mirror.example.com/payments/api:1.4.2"
    assert verify_image(mirror, [key_pair.public_pem], copied).reason == "reference-mismatch"
    assert verify_image(mirror, [key_pair.public_pem], copied, check_reference=False).verified


@pytest.mark.parametrize(
    ("digest", "tag"),
    [
        ("sha256:" + "0" * 64, "sha256-" + "0" * 64 + ".sig"),
        (
            "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00",
            "sha256-634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00.sig",
        ),
    ],
)
def test_the_signature_tag_follows_cosigns_tag_based_discovery(digest, tag):
    assert signature_tag(digest) == tag


def test_a_malformed_digest_has_no_signature_tag():
    with pytest.raises(ValueError, match="not a sha256 digest"):
        signature_tag("sha256:ABC")
