# Generated from companyos/supply_chain/reference.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Image references and digests, normalised the way cosign names them in signatures.

cosign writes `docker-reference` as go-containerregistry's `name.Repository.Name()`, so `nginx:1.27`
becomes `index.docker.io/library/nginx`; we apply the same defaults so references compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# go-containerregistry pkg/name/registry.go: DefaultRegistry; "docker.io" is rewritten to it.
DEFAULT_REGISTRY = "index.docker.io"
_DOCKER_HUB_ALIASES = frozenset({"docker.io", DEFAULT_REGISTRY})
# go-containerregistry pkg/name/repository.go: a one-component Docker Hub repository is under library/.
_OFFICIAL_NAMESPACE = "library"
# OCI image-spec descriptor.md: sha256 digests are 64 lowercase hex characters.
_SHA256_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_REPOSITORY_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")


@dataclass(frozen=True)
class ImageReference:
    repository: str
    tag: str | None = None
    digest: str | None = None


def is_sha256_digest(text: object) -> bool:
    return isinstance(text, str) and _SHA256_DIGEST.fullmatch(text) is not None


def parse_digest(text: str) -> str:
    """Return `text` if it is `sha256:<64 lowercase hex>`, else ValueError saying so."""
    if not is_sha256_digest(text):
        raise ValueError(f"{text!r} is not a sha256 digest (expected sha256: followed by 64 lowercase hex characters)")
    return text


def parse_image_reference(text: str) -> ImageReference:
    """Split `registry/repo[:tag][@sha256:...]` and normalise the repository; ValueError if malformed."""
    remainder, digest = text, None
    if "@" in remainder:
        remainder, digest = remainder.split("@", 1)
        parse_digest(digest)
    tag = None
    last_slash = remainder.rfind("/")
    if remainder.rfind(":") > last_slash:
        remainder, tag = remainder.rsplit(":", 1)
        if not _TAG.fullmatch(tag):
            raise ValueError(f"{text!r}: tag {tag!r} is not a valid tag")
    return ImageReference(repository=normalise_repository(remainder, original=text), tag=tag, digest=digest)


def normalise_repository(repository: str, *, original: str | None = None) -> str:
    """`nginx` -> `index.docker.io/library/nginx`; `registry:5000/team/app` is kept as is."""
    shown = original if original is not None else repository
    parts = repository.split("/")
    first = parts[0]
    if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, parts[1:]
    else:
        registry, path = DEFAULT_REGISTRY, parts
    if registry in _DOCKER_HUB_ALIASES:
        registry = DEFAULT_REGISTRY
        if len(path) == 1:
            path = [_OFFICIAL_NAMESPACE, *path]
    if not path or not all(_REPOSITORY_COMPONENT.fullmatch(component) for component in path):
        raise ValueError(
            f"{shown!r} is not a valid image repository (lowercase path components such as "
            "registry.example.com/team/app)"
        )
    return registry + "/" + "/".join(path)


@dataclass(frozen=True)
class PinnedReference:
    """A reference that names its bytes: `repository@digest` (the tag, if one was written, is informational)."""

    repository: str
    digest: str
    tag: str | None = None


def parse_pinned_reference(text: str, *, option: str, why: str) -> PinnedReference:
    """A user-given `REPOSITORY@sha256:...` (UserError naming `option` otherwise): what is signed, recorded or
    merged must not be a tag, which can be re-pointed."""
    from paved_road_policies.vendor.contracts.errors import UserError

    try:
        reference = parse_image_reference(text)
    except ValueError as error:
        raise UserError(f"{option}: {error}") from None
    if reference.digest is None:
        raise UserError(f"{option} {text!r} has no digest; {why}")
    return PinnedReference(reference.repository, reference.digest, reference.tag)
