"""A small OCI distribution-spec client (manifests and blobs) over urllib.

Written here rather than taken from oras-py because the operations we need are five HTTP calls, and we
must verify every digest the registry hands back ourselves: a supply-chain check that trusts the
registry's Docker-Content-Digest header would let the registry choose what we verify.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from companyos.supply_chain.reference import is_sha256_digest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = (OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST)
# OCI image-spec manifest.md "Guidance for an Empty Descriptor": the two-byte blob `{}`.
EMPTY_CONFIG_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY_CONFIG = b"{}"
# Bearer token for registries that need one (not the loopback registry); never logged.
TOKEN_ENV = "COMPANYOS_REGISTRY_TOKEN"
TIMEOUT_S = 30.0


class RegistryError(Exception):
    """A registry call failed; `status` is the HTTP status (None when the registry did not answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Manifest:
    digest: str
    media_type: str
    data: bytes

    def json(self) -> dict[str, object]:
        document = json.loads(self.data)
        if not isinstance(document, dict):
            raise RegistryError(f"manifest {self.digest} is not a JSON object")
        return document

    def descriptor(self) -> dict[str, object]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


def is_loopback(registry: str) -> bool:
    """Plain HTTP is only ever used for a registry on this machine."""
    host = registry.rsplit(":", 1)[0] if registry.count(":") == 1 else registry
    return host in ("127.0.0.1", "localhost", "[::1]")


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a registry's redirects (blob downloads often go to a CDN), but never downgrade to plain HTTP off this
    machine, and hand the bearer token only to the origin it was meant for.

    The token is added with `add_unredirected_header`, so urllib does not copy it to the redirected request; it is
    added back here only when the target is the registry's own scheme, host and port."""

    def __init__(self, origin: tuple[str, str], token: str | None) -> None:
        super().__init__()
        self._origin, self._token = origin, token

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        scheme, netloc = _origin(newurl)
        if scheme not in ("http", "https") or (scheme == "http" and not is_loopback(netloc)):
            raise RegistryError(
                f"{req.get_method()} {req.full_url} redirects to {newurl}: refusing to follow a "
                "redirect to plain HTTP (or a non-HTTP scheme) off this machine",
                code,
            )
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and self._token and (scheme, netloc) == self._origin:
            new.add_unredirected_header("Authorization", f"Bearer {self._token}")
        return new


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class RegistryClient:
    """Manifests and blobs of one registry (`host:port`); plain HTTP only for a loopback registry."""

    def __init__(self, registry: str, token: str | None = None) -> None:
        self.registry = registry
        self.base = f"{'http' if is_loopback(registry) else 'https'}://{registry}/v2"
        self._token = token if token is not None else os.environ.get(TOKEN_ENV)
        self._opener = urllib.request.build_opener(_GuardedRedirects(_origin(self.base), self._token))

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """The manifest at a tag or digest; its digest is computed from the bytes, never taken from a header."""
        status, headers, data = self._request(
            "GET", f"/{repository}/manifests/{reference}", headers={"Accept": ", ".join(MANIFEST_TYPES)}
        )
        digest = sha256_digest(data)
        if is_sha256_digest(reference) and digest != reference:
            raise RegistryError(
                f"{self.registry}/{repository}@{reference}: the registry served a manifest whose "
                f"sha256 is {digest}; the registry is corrupt or tampered with",
                status,
            )
        media_type = headers.get("Content-Type", "").split(";")[0].strip()
        if media_type not in MANIFEST_TYPES:
            media_type = str(json.loads(data).get("mediaType", OCI_MANIFEST))
        return Manifest(digest, media_type, data)

    def resolve(self, repository: str, reference: str) -> str:
        return self.get_manifest(repository, reference).digest

    def put_manifest(self, repository: str, reference: str, data: bytes, media_type: str) -> str:
        self._request("PUT", f"/{repository}/manifests/{reference}", data=data, headers={"Content-Type": media_type})
        return sha256_digest(data)

    def get_blob(self, repository: str, digest: str) -> bytes:
        _, _, data = self._request("GET", f"/{repository}/blobs/{digest}")
        if sha256_digest(data) != digest:
            raise RegistryError(
                f"{self.registry}/{repository} blob {digest}: the bytes served hash to "
                f"{sha256_digest(data)}; the registry is corrupt or tampered with"
            )
        return data

    def push_blob(self, repository: str, data: bytes) -> str:
        """Upload `data` (monolithic POST + PUT) unless the registry already has it; return its digest."""
        digest = sha256_digest(data)
        try:
            self._request("HEAD", f"/{repository}/blobs/{digest}")
            return digest
        except RegistryError as error:
            if error.status != 404:
                raise
        _, headers, _ = self._request("POST", f"/{repository}/blobs/uploads/", data=b"")
        location = headers.get("Location", "")
        if not location:
            raise RegistryError(f"{self.registry} started a blob upload without a Location header")
        url = urllib.parse.urljoin(self.base + "/", location)
        separator = "&" if "?" in url else "?"
        self._request(
            "PUT",
            "",
            url=f"{url}{separator}digest={urllib.parse.quote(digest)}",
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        return digest

    def _request(
        self,
        method: str,
        path: str,
        *,
        url: str | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(url or self.base + path, data=data, method=method, headers=headers or {})
        target = f"{method} {request.full_url}"
        scheme, netloc = _origin(request.full_url)
        if scheme == "http" and not is_loopback(netloc):
            raise RegistryError(f"{target}: refusing plain HTTP to a host off this machine")
        # The token goes to the registry itself only: an upload Location or a redirect may name another host.
        if self._token and (scheme, netloc) == _origin(self.base):
            request.add_unredirected_header("Authorization", f"Bearer {self._token}")
        try:
            with self._opener.open(request, timeout=TIMEOUT_S) as response:
                return response.status, dict(response.headers.items()), response.read()
        except RegistryError:
            raise
        except urllib.error.HTTPError as error:
            body = error.read()[:500].decode("utf-8", "replace")
            raise RegistryError(f"{target}: HTTP {error.code} {body.strip()}", error.code) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RegistryError(
                f"registry {self.registry} did not answer {target} ({reason}); is it running? "
                "(`companyos registry status`)"
            ) from None
