"""An httpx transport over the guarded network backend: every new connection is resolved, checked and
pinned to the checked address (cockpit.partners.netguard). No proxies, no redirects, no environment."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx

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
            network_backend=GuardedBackend(dev_mode=dev_mode, resolver=resolver),
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


def pinned_client(
    *, dev_mode: bool = False, resolver: Resolver | None = None, ssl_context: ssl.SSLContext | None = None
) -> httpx.Client:
    """The client partner calls go through: pinned transport, redirects never followed."""
    return httpx.Client(
        transport=PinnedTransport(dev_mode=dev_mode, resolver=resolver, ssl_context=ssl_context),
        follow_redirects=False,
        trust_env=False,
    )
