"""The registry client hands COMPANYOS_REGISTRY_TOKEN to the registry it was asked, never to a redirect target on
another host, never over plain HTTP off this machine. Two real HTTP servers on loopback, under two names."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from companyos.supply_chain.oci import RegistryClient, RegistryError

TOKEN = "registry-token-for-tests"
BLOB = b"layer bytes"
DIGEST = "sha256:" + __import__("hashlib").sha256(BLOB).hexdigest()


class Server:
    """Records each request's path and Authorization header; answers from `routes` (path -> (status, headers, body))."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.seen.append((self.path, self.headers.get("Authorization")))
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for key, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    registry, elsewhere = Server(), Server()
    yield registry, elsewhere
    registry.close()
    elsewhere.close()


def test_the_token_reaches_the_registry_and_a_same_origin_redirect(servers) -> None:
    registry, _ = servers
    registry.routes[f"/v2/app/blobs/{DIGEST}"] = (307, {"Location": f"/v2/app/blobs/moved/{DIGEST}"}, b"")
    registry.routes[f"/v2/app/blobs/moved/{DIGEST}"] = (200, {}, BLOB)
    client = RegistryClient(f"127.0.0.1:{registry.port}", token=TOKEN)
    assert client.get_blob("app", DIGEST) == BLOB
    assert [auth for _, auth in registry.seen] == [f"Bearer {TOKEN}", f"Bearer {TOKEN}"]


def test_a_redirect_to_another_host_gets_the_bytes_but_never_the_token(servers) -> None:
    registry, elsewhere = servers
    # `localhost` and `127.0.0.1` are two hosts to the client (two origins), one machine to the test.
    registry.routes[f"/v2/app/blobs/{DIGEST}"] = (
        307,
        {"Location": f"http://localhost:{elsewhere.port}/cdn/{DIGEST}"},
        b"",
    )
    elsewhere.routes[f"/cdn/{DIGEST}"] = (200, {}, BLOB)
    client = RegistryClient(f"127.0.0.1:{registry.port}", token=TOKEN)
    assert client.get_blob("app", DIGEST) == BLOB
    assert registry.seen[0][1] == f"Bearer {TOKEN}"
    assert elsewhere.seen == [(f"/cdn/{DIGEST}", None)]


@pytest.mark.parametrize("target", ["http://203.0.113.7/cdn/blob", "ftp://203.0.113.7/blob", "file:///etc/passwd"])
def test_a_redirect_to_plain_http_off_this_machine_or_another_scheme_is_refused(servers, target: str) -> None:
    registry, _ = servers
    registry.routes[f"/v2/app/blobs/{DIGEST}"] = (302, {"Location": target}, b"")
    client = RegistryClient(f"127.0.0.1:{registry.port}", token=TOKEN)
    # urllib itself refuses file:// before asking the handler; either way the client stops with a RegistryError.
    with pytest.raises(RegistryError, match="refusing to follow a redirect|HTTP 302"):
        client.get_blob("app", DIGEST)


def test_an_upload_location_on_another_host_is_sent_no_token(servers) -> None:
    registry, elsewhere = servers
    client = RegistryClient(f"127.0.0.1:{registry.port}", token=TOKEN)
    elsewhere.routes["/upload"] = (200, {}, b"")
    client._request("GET", "", url=f"http://localhost:{elsewhere.port}/upload")
    assert elsewhere.seen == [("/upload", None)]


def test_plain_http_to_a_host_off_this_machine_is_refused_before_connecting() -> None:
    client = RegistryClient("127.0.0.1:1", token=TOKEN)
    with pytest.raises(RegistryError, match="refusing plain HTTP"):
        client._request("GET", "", url="http://203.0.113.7/v2/")
