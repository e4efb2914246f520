"""Image references normalise as go-containerregistry names them in cosign payloads."""

from __future__ import annotations

import pytest

from companyos.supply_chain.reference import ImageReference, parse_image_reference

DIGEST = "sha256:" + "d" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nginx", ImageReference("index.docker.io/library/nginx")),
        ("nginx:1.27", ImageReference("index.docker.io/library/nginx", tag="1.27")),
        ("docker.io/team/app", ImageReference("index.docker.io/team/app")),
        ("docker.io/nginx", ImageReference("index.docker.io/library/nginx")),
        ("localhost/app", ImageReference("localhost/app")),
        ("127.0.0.1:5000/team/app:v1@" + DIGEST, ImageReference("127.0.0.1:5000/team/app", tag="v1", digest=DIGEST)),
        ("registry.example.com/a/b/c@" + DIGEST, ImageReference("registry.example.com/a/b/c", digest=DIGEST)),
    ],
)
def test_references_split_and_normalise_like_go_containerregistry(text, expected):
    assert parse_image_reference(text) == expected


@pytest.mark.parametrize(
    "text", ["", "Upper/Case", "registry.example.com/", "app@sha256:123", "app:bad tag", "registry.example.com//app"]
)
def test_malformed_references_are_refused(text):
    with pytest.raises(ValueError):
        parse_image_reference(text)
