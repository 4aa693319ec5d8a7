"""moto's server as the local AWS endpoint, with DynamoDB's atomicity.

Real DynamoDB applies each conditional write and each transaction atomically; moto's threaded server
does not: two racing `PutItem ... attribute_not_exists(pk)` can both pass their condition, and a
failed `TransactWriteItems` restores a deep copy of the table taken before it started, erasing writes
that other requests made meanwhile. The gateway's idempotency, confirmation and reservation races are
tested against this endpoint, so here DynamoDB requests are applied one at a time (one lock); every
other service keeps moto's concurrency (an S3 upload never waits for a table).

    python -m cockpit_dev.moto_server -H 127.0.0.1 -p 4566
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def is_dynamodb(environ: dict[str, Any]) -> bool:
    """A DynamoDB (or DynamoDB Streams) request: its JSON target or its SigV4 credential scope says so."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target.startswith(("DynamoDB_", "DynamoDBStreams_")):
        return True
    scope = str(environ.get("HTTP_AUTHORIZATION", "")).split(",", 1)[0]
    return "/dynamodb/aws4_request" in scope


class SerializedDynamoDB:
    """WSGI middleware: DynamoDB requests one at a time, each answered in full before the next starts."""

    def __init__(self, app: Wsgi) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not is_dynamodb(environ):
            return self.app(environ, start_response)
        with self.lock:
            # The body is produced inside the lock: moto computes it while the request is handled.
            return list(self.app(environ, start_response))


def application() -> Wsgi:
    app = DomainDispatcherApplication(create_backend_app)
    return SerializedDynamoDB(app)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=4566, help="port (default 4566)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(
        args.host,
        args.port,
        application(),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
