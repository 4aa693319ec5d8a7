"""Small loopback helpers: free ports, probes, and binding with a clear error."""

from __future__ import annotations

import http.client
import socket
import sys
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

LOOPBACK = "127.0.0.1"


class PortInUseError(RuntimeError):
    """A port the runtime needs is taken."""


def free_port() -> int:
    """A port that is free right now on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, timeout: float = 0.3) -> bool:
    """Whether anything accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_status(port: int, path: str = "/", timeout: float = 1.0) -> int | None:
    """The status of GET path on 127.0.0.1:port, or None if nothing answers HTTP there."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer was written is no error of ours (no traceback)."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipe, ConnectionReset, Aborted
            return
        super().handle_error(request, client_address)


def bind(port: int, handler: type[BaseHTTPRequestHandler], what: str, choose: str = "") -> LoopbackServer:
    """An HTTP server bound to 127.0.0.1:port (not yet serving); PortInUseError if taken, saying how to
    `choose` another port (e.g. "make run API_PORT=N, or cockpit run --port N")."""
    try:
        return LoopbackServer((LOOPBACK, port), handler)
    except OSError as exc:
        how = f": {choose}" if choose else ""
        raise PortInUseError(
            f"cannot serve the {what} on {LOOPBACK}:{port}: {exc.strerror or exc} "
            f"(is another `cockpit run` running? stop it, or choose another port{how})"
        ) from None


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def readline(self, size: int = -1, /) -> bytes: ...


class BodyTooLarge(Exception):
    """The request body is over the limit (it was read and dropped, so the connection can answer)."""


_DRAIN_LIMIT = 128 * 1024 * 1024
_CHUNK = 64 * 1024


def read_body(rfile: Readable, headers: Message, limit: int) -> bytes:
    """The request body (Content-Length or chunked). Over `limit`: BodyTooLarge, after reading the rest
    (up to 128 MiB) so that the client can still read the answer."""
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        return _read_chunked(rfile, limit)
    length = int(headers.get("Content-Length") or 0)
    if length < 0:
        raise ValueError("negative Content-Length")
    if length <= limit:
        return rfile.read(length)
    remaining = min(length, _DRAIN_LIMIT)
    while remaining > 0:
        chunk = rfile.read(min(_CHUNK, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
    raise BodyTooLarge(length)


def _read_chunked(rfile: Readable, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            break
        total += size
        data = rfile.read(size)
        rfile.readline()
        if total > _DRAIN_LIMIT:
            break
        if total <= limit:
            parts.append(data)
    if total > limit:
        raise BodyTooLarge(total)
    return b"".join(parts)
