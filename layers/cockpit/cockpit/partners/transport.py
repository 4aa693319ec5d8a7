"""An httpx transport over the guarded network backend: every new connection is resolved, checked and
pinned to the checked address (cockpit.partners.netguard). No proxies, no redirects, no environment."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx

from cockpit.partners import deadline
from cockpit.partners.netguard import GuardedBackend, Resolver

# httpx logs every request's full URL at INFO: a partner's API key may ride in the query string.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.TimeoutException, httpx.TimeoutException),
)


def _translate(exc: Exception) -> Exception:
    for theirs, ours in _ERRORS:
        if isinstance(exc, theirs):
            return ours(str(exc))
    return exc


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except Exception as exc:
            raise _translate(exc) from exc

    def close(self) -> None:
        if hasattr(self._stream, "close"):
            self._stream.close()


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read and write gets at most the time left (`cockpit.partners.deadline`)."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        left = deadline.clamp(timeout)
        if left is not None and left <= 0:
            raise httpcore.ReadTimeout("the exchange's deadline has passed")
        return self._inner.read(max_bytes, left)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        left = deadline.clamp(timeout)
        if left is not None and left <= 0:
            raise httpcore.WriteTimeout("the exchange's deadline has passed")
        self._inner.write(buffer, left)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        left = deadline.clamp(timeout)
        if left is not None and left <= 0:
            raise httpcore.ConnectTimeout("the exchange's deadline has passed")
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(GuardedBackend):
    """The guarded backend whose connections keep to the exchange's deadline."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = deadline.clamp(timeout)
        if left is not None and left <= 0:
            raise httpcore.ConnectTimeout("the exchange's deadline has passed")
        return _DeadlineStream(super().connect_tcp(host, port, left, local_address, socket_options))


class PinnedTransport(httpx.BaseTransport):
    """Sends requests through a connection pool whose sockets go only to checked addresses."""

    def __init__(
        self,
        *,
        dev_mode: bool = False,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 20,
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=_DeadlineBackend(dev_mode=dev_mode, resolver=resolver),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = self._pool.handle_request(core)
        except Exception as exc:
            raise _translate(exc) from exc
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class BodyTooLarge(Exception):
    """The answer is larger than the reader's cap (declared or while reading); the rest is not read."""


class BodyEncoded(Exception):
    """The answer is content-encoded though identity was asked for: it is not read (no decompression)."""


def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The one rule for reading an untrusted answer: at most `limit` bytes, identity-encoded only.

    The time cap is the caller's `cockpit.partners.deadline.within` block, kept by the sockets of the
    pinned transport; once that deadline has passed, a chunk already buffered is not accepted either
    (`httpx.ReadTimeout`). Raises BodyTooLarge, BodyEncoded or an httpx error; the caller names it.
    """
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    if response.headers.get("content-encoding", "identity").lower() not in ("identity", ""):
        raise BodyEncoded
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # identity only (checked above): nothing is decompressed
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        if deadline.clamp(None) == 0.0:
            raise httpx.ReadTimeout("the exchange's deadline has passed")
        chunks.append(chunk)
    return b"".join(chunks)


def pinned_client(
    *, dev_mode: bool = False, resolver: Resolver | None = None, ssl_context: ssl.SSLContext | None = None
) -> httpx.Client:
    """The client partner calls go through: pinned transport, redirects never followed."""
    return httpx.Client(
        transport=PinnedTransport(dev_mode=dev_mode, resolver=resolver, ssl_context=ssl_context),
        follow_redirects=False,
        trust_env=False,
    )
