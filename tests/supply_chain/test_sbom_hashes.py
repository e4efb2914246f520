"""SBOM component hashes: npm packages get the SHA-512 npm verified their tarball with (the lockfile's integrity),
the image its manifest digest; what cannot be read is left without a hash, never given a wrong one."""

from __future__ import annotations

import base64
import hashlib

from companyos.supply_chain.sbom_hashes import add_hashes, image_digest_hash, lockfile_hashes


def sri(data: bytes, algorithm: str = "sha512") -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


LOCK = {
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "orders-api", "version": "0.1.0"},
        "node_modules/express": {"version": "5.3.0", "integrity": sri(b"express")},
        "node_modules/@opentelemetry/api": {"version": "1.9.0", "integrity": sri(b"otel")},
        "node_modules/a/node_modules/debug": {"version": "2.6.9", "integrity": f"{sri(b'debug')} {sri(b'd', 'sha1')}"},
        "node_modules/linked": {"link": True, "resolved": "packages/linked"},
        "node_modules/broken": {"version": "1.0.0", "integrity": "sha512-not*base64"},
        "node_modules/md5only": {"version": "1.0.0", "integrity": "md5-AAAA"},
    },
}


def test_the_lockfile_gives_each_package_its_hashes_by_purl() -> None:
    found = lockfile_hashes(LOCK)
    assert found["pkg:npm/express@5.3.0"] == [{"alg": "SHA-512", "content": hashlib.sha512(b"express").hexdigest()}]
    assert found["pkg:npm/%40opentelemetry/api@1.9.0"][0]["content"] == hashlib.sha512(b"otel").hexdigest()
    assert [h["alg"] for h in found["pkg:npm/debug@2.6.9"]] == ["SHA-512", "SHA-1"]
    assert not {"pkg:npm/linked", "pkg:npm/broken@1.0.0", "pkg:npm/md5only@1.0.0"} & set(found)


def test_components_get_the_hashes_of_their_purl_and_keep_their_own() -> None:
    document = {
        "components": [
            {"purl": "pkg:npm/express@5.3.0?vcs_url=x"},
            {"purl": "pkg:npm/%40opentelemetry/api@1.9.0"},
            {"purl": "pkg:npm/debug@2.6.9", "hashes": [{"alg": "SHA-256", "content": "ab" * 32}]},
            {"purl": "pkg:deb/debian/libc6@2.36"},
            {"name": "no purl"},
        ]
    }
    assert add_hashes(document, lockfile_hashes(LOCK)) == 2
    components = document["components"]
    assert components[0]["hashes"][0]["alg"] == "SHA-512" and components[1]["hashes"]
    assert components[2]["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert "hashes" not in components[3] and "hashes" not in components[4]


def test_the_image_is_hashed_by_its_manifest_digest_only_when_it_is_a_sha256() -> None:
    assert image_digest_hash("sha256:" + "c" * 64) == [{"alg": "SHA-256", "content": "c" * 64}]
    assert image_digest_hash("sha512:" + "c" * 128) == [] and image_digest_hash("sha256:short") == []
