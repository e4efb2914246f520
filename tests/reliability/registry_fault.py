"""A registry that goes down on cue: a loopback HTTP proxy in front of a real `docker-registry`.

Clients are given the proxy's address as "the registry". While up it forwards every request unchanged
(Host header included, so upload Locations point back at the proxy). It goes down either when a request
matches `dies_on` (the request in flight gets no answer: the connection is dropped, as when the process
dies mid-request) or when `go_down()` is called. Down means down: the listening socket is shut, so every
later connection is refused, and keep-alive connections already open get no more answers. The real
registry behind it stays reachable on its own port, so a test can inspect what was written.

Hand-written (about 80 lines) rather than a proxy package: no kept library injects a fault at a chosen
request of the OCI distribution protocol.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Connection-level headers are per hop (RFC 9110 section 7.6.1): never forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
Matcher = Callable[[str, str], bool]


def is_write(method: str, _path: str) -> bool:
    """The first request that changes the registry's content (blob upload or manifest push)."""
    return method in ("POST", "PUT", "PATCH", "DELETE")


class FlakyRegistry:
    def __init__(self, upstream: str, dies_on: Matcher | None = None) -> None:
        self.upstream = upstream
        self.dies_on = dies_on
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request received, forwarded or not
        self.died_at: tuple[str, str] | None = None
        self._down = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def is_down(self) -> bool:
        return self._down.is_set()

    def __enter__(self) -> FlakyRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.go_down()

    def go_down(self) -> None:
        if self._down.is_set():
            return
        self._down.set()
        # shutdown() on a listening socket makes Linux refuse new connections at once; close() alone would
        # leave it listening while serve_forever's select still holds it.
        try:
            self._server.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        threading.Thread(target=self._stop, daemon=True).start()

    def _stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass  # the test asserts on `requests`; no stderr noise

            def _forward(self) -> None:
                registry.requests.append((self.command, self.path))
                if not registry.is_down and registry.dies_on is not None and registry.dies_on(self.command, self.path):
                    registry.died_at = (self.command, self.path)
                    registry.go_down()
                if registry.is_down:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)  # no answer at all, as from a dead process
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream = http.client.HTTPConnection(registry.upstream, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    upstream.close()
                self.send_response_only(response.status, response.reason)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(key, value)
                # HEAD answers carry the GET's length and no body.
                self.send_header(
                    "Content-Length",
                    response.getheader("Content-Length", str(len(data))) if self.command == "HEAD" else str(len(data)),
                )
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler
