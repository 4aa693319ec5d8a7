"""moto's server as the local AWS endpoint, with DynamoDB's atomicity, and (with `--state`) its state
kept in a file across restarts.

Real DynamoDB applies each conditional write and each transaction atomically; moto's threaded server
does not: two racing `PutItem ... attribute_not_exists(pk)` can both pass their condition, and a
failed `TransactWriteItems` restores a deep copy of the table taken before it started, erasing writes
that other requests made meanwhile. The gateway's idempotency, confirmation and reservation races are
tested against this endpoint, so here DynamoDB requests are applied one at a time (one lock); every
other service keeps moto's concurrency (an S3 upload never waits for a table).

With `--state FILE` the server starts from FILE (see `moto_state`) and saves to it about a second after
writes (sooner never; later for a large state, so that pickling takes at most about a fifth of the time,
but never more than 10 s later)
and when it gets SIGTERM or SIGINT. A SIGKILL loses at most the writes of that last window. `--fresh`
moves FILE aside first. `GET /_cockpit/state` answers what it did (restored, moved aside, last save).

    python -m cockpit_dev.moto_server -H 127.0.0.1 -p 4566 [--state .cockpit/aws/state.pickle [--fresh]]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.backends import get_backend
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

from cockpit_dev import moto_state

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

STATUS_PATH = "/_cockpit/state"  # S3 bucket names cannot hold "_": no path-style request collides
SAVE_DELAY = 1.0  # seconds from a write to the save that covers it (at least)
SAVE_SHARE = 0.2  # at most this share of the time goes to pickling under a steady stream of writes
MAX_SAVE_DELAY = 10.0  # ... unless that would leave writes unsaved for longer than this
DYNAMODB_SERVICES = frozenset({"dynamodb", "dynamodbstreams"})  # their requests hold the DynamoDB lock
ALL = "*"
READ_ACTIONS = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet", "Head")


def is_dynamodb(environ: dict[str, Any]) -> bool:
    """A DynamoDB (or DynamoDB Streams) request: its JSON target or its SigV4 credential scope says so."""
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target.startswith(("DynamoDB_", "DynamoDBStreams_")):
        return True
    return signing_service(environ) == "dynamodb"


def signing_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4-signed request names in its credential scope (`.../s3/aws4_request`)."""
    credential = str(environ.get("HTTP_AUTHORIZATION", "")).split(",", 1)[0]
    parts = credential.split("/")
    return parts[-2] if len(parts) >= 3 and parts[-1] == "aws4_request" else None


def writes(environ: dict[str, Any]) -> bool:
    """Whether a request may change state: all but GET/HEAD and the JSON APIs' reading actions
    (anything unknown counts as a write)."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
        return False
    action = str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1]
    return not (action and action.startswith(READ_ACTIONS))


def touched_services(environ: dict[str, Any]) -> str:
    """The service whose state a write changes, by its signature; ALL when it cannot be told
    (an unsigned request, moto's own `/moto-api/`)."""
    if str(environ.get("PATH_INFO", "")).startswith("/moto-api/"):
        return ALL
    if is_dynamodb(environ):
        return "dynamodb"
    return signing_service(environ) or ALL


class Gate:
    """Requests pass together; a snapshot waits for them to finish and holds new ones back."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._closed = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._closed)
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self._condition.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._closed)
            self._closed = True
            self._condition.wait_for(lambda: self._active == 0)
        try:
            yield
        finally:
            with self._condition:
                self._closed = False
                self._condition.notify_all()


class Persistence:
    """Saves the services written to, a moment after the writes, into the state file."""

    def __init__(self, state: moto_state.StateFile, status: moto_state.Status, delay: float) -> None:
        self.state = state
        self.status = status
        self.delay = delay
        self.gate = Gate()
        self.dynamodb = threading.Lock()
        self.saved: dict[str, bytes] = {}  # each service's last pickled state
        self.verified: set[str] = set()  # services whose pickles are known to load
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._save_lock = threading.Lock()
        self._saving = False
        self._last_seconds = 0.0
        self._thread = threading.Thread(target=self._loop, name="state-saver", daemon=True)

    def start(self, restored: dict[str, bytes]) -> None:
        self.saved = dict(restored)
        self.verified = set(restored)
        self._thread.start()

    def unsaved(self) -> bool:
        """Whether a write answered so far may not be in the file yet."""
        with self._dirty_lock:
            return bool(self._dirty) or self._saving

    def wrote(self, service: str) -> None:
        with self._dirty_lock:
            self._dirty.add(service)
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            # Gather the writes of the next moment into one save, and save no more often than
            # SAVE_SHARE of the time allows for a state that takes long to pickle.
            spread = self._last_seconds * (1 - SAVE_SHARE) / SAVE_SHARE
            if self._stop.wait(max(self.delay, min(spread, MAX_SAVE_DELAY))):
                return
            self._wake.clear()
            try:
                self.save()
            except OSError as exc:  # a full disk: say so, keep serving, try again a moment later
                _log(f"saving the state to {self.state.path} failed: {exc}")
                self.wrote(ALL)

    def save(self, *, hold: bool = False) -> None:
        """Pickle what changed (each service while none of its requests runs) and write the file.
        `hold`: keep every request out afterwards (the final save of a stopping server)."""
        with self._save_lock:
            with self._dirty_lock:
                dirty, self._dirty = self._dirty, set()
                self._saving = True
            try:
                self._save(dirty, hold=hold)
            finally:
                with self._dirty_lock:
                    self._saving = False

    def _save(self, dirty: set[str], *, hold: bool) -> None:
        started = time.monotonic()
        services = moto_state.backend_dicts()
        todo = {n for n in services if ALL in dirty or n in dirty or n not in self.saved}
        todo |= {n for n in services if n in DYNAMODB_SERVICES and "dynamodb" in dirty}
        pickled: dict[str, bytes] = {}
        if hold:
            self.dynamodb.acquire()
            pickled |= self._pickle(services, todo & DYNAMODB_SERVICES)
            self.gate.alone().__enter__()  # never left: the process exits after this save
            pickled |= self._pickle(services, todo - DYNAMODB_SERVICES)
        else:
            with self.dynamodb:
                pickled |= self._pickle(services, todo & DYNAMODB_SERVICES)
            with self.gate.alone():
                pickled |= self._pickle(services, todo - DYNAMODB_SERVICES)
        self._last_seconds = time.monotonic() - started  # the pickling, which holds requests back
        self._keep(pickled)
        for gone in set(self.saved) - set(services):  # reset by /moto-api/reset
            del self.saved[gone]
        self.state.write(self.saved)
        self.status.saves += 1
        self.status.last_save = datetime.now(UTC).isoformat(timespec="seconds")

    def _pickle(self, services: dict[str, Any], names: set[str]) -> dict[str, bytes]:
        pickled = {}
        for name in sorted(names - set(self.status.not_kept)):
            try:
                if get_backend(name) is not services[name]:  # type: ignore[call-overload]
                    raise LookupError("moto does not find it by this name")
                pickled[name] = moto_state.snapshot(services[name])
            except Exception as exc:  # an object moto keeps that pickle refuses
                self._not_kept(name, exc)
        return pickled

    def _keep(self, pickled: dict[str, bytes]) -> None:
        """Take the new pickles, each service's first one only once it has been read back (outside the
        locks): a state saved must be a state that loads."""
        for name, data in pickled.items():
            if name not in self.verified:
                try:
                    moto_state.loads(data)
                except Exception as exc:  # whatever unpickling raises
                    self._not_kept(name, exc)
                    continue
                self.verified.add(name)
            self.saved[name] = data

    def _not_kept(self, name: str, exc: Exception) -> None:
        self.status.not_kept[name] = f"{type(exc).__name__}: {exc}"
        self.saved.pop(name, None)
        _log(f"the {name} state is not kept across restarts: {self.status.not_kept[name]}")

    def close(self) -> None:
        """Stop the saver and save what the last moment changed (and hold requests out)."""
        self._stop.set()
        self._wake.set()
        self._thread.join()
        with self._dirty_lock:
            pending = bool(self._dirty)
        if pending:
            self.save(hold=True)


class LocalAws:
    """WSGI middleware: DynamoDB requests one at a time, each answered in full before the next starts;
    with persistence, writes are noted and snapshots see no request half done."""

    def __init__(self, app: Wsgi, persistence: Persistence | None = None) -> None:
        self.app = app
        self.persistence = persistence
        self.lock = persistence.dynamodb if persistence else threading.Lock()
        self.gate = persistence.gate if persistence else Gate()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == STATUS_PATH and environ.get("REQUEST_METHOD") == "GET":
            return self._status(start_response)
        service = touched_services(environ)
        try:
            if is_dynamodb(environ):
                with self.lock:
                    # The body is produced inside the lock: moto computes it while the request is handled.
                    return self._answer(environ, start_response)
            if service == ALL:  # moto's own API (a reset) reaches every service, DynamoDB included
                with self.lock, self.gate.shared():
                    return self._answer(environ, start_response)
            with self.gate.shared():
                return self._answer(environ, start_response)
        finally:
            if self.persistence is not None and writes(environ):
                self.persistence.wrote(service)

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """moto's whole answer, read under this request's lock or gate; the body closed as WSGI asks."""
        body = self.app(environ, start_response)
        try:
            return list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _status(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        document: dict[str, Any] = {"persistent": self.persistence is not None}
        if unkept:
            document["messages"] = list(unkept)
        if self.persistence is not None:
            status = self.persistence.status
            document.update(
                status.as_json(), messages=list(status.lines()), unsaved=self.persistence.unsaved()
            )
        body = json.dumps(document).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


unkept: list[str] = []  # why a server asked to keep state keeps none (another holds the file, ...)

SerializedDynamoDB = LocalAws  # the name the DynamoDB-only middleware had


def application(persistence: Persistence | None = None) -> Wsgi:
    app = DomainDispatcherApplication(create_backend_app)
    return LocalAws(app, persistence)


def _log(message: str) -> None:
    sys.stderr.write(f"cockpit moto: {message}\n")
    sys.stderr.flush()


def persist(path: Path | None, *, fresh: bool, delay: float) -> Persistence | None:
    """Claim and load the state file (None: no file asked for, or another server holds it)."""
    if path is None:
        return None
    state = moto_state.StateFile(path)
    if not state.claim():
        said = f"{state.path} is in use by another moto server: this one starts empty, keeps nothing"
        _log(f"{said} (stop the other one to keep state here)")
        unkept.append(said)
        return None
    status, restored = moto_state.load(state, fresh=fresh)
    for line in status.lines():
        _log(line)
    persistence = Persistence(state, status, delay)
    persistence.start(restored)
    return persistence


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=4566, help="port (default 4566)")
    parser.add_argument("--state", type=Path, help="keep the state in this file across restarts")
    parser.add_argument("--fresh", action="store_true", help="with --state: move the saved state aside first")
    parser.add_argument(
        "--save-delay",
        type=float,
        default=SAVE_DELAY,
        help=f"seconds from a write to its save (default {SAVE_DELAY})",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        persistence = persist(args.state, fresh=args.fresh, delay=args.save_delay)
    except OSError as exc:  # a folder it may not write: serve anyway, say that nothing is kept
        _log(f"cannot keep the state in {args.state}: {exc}; this server keeps nothing")
        unkept.append(f"cannot keep the state in {args.state}: {exc}; this server keeps nothing")
        persistence = None
    try:
        run_simple(
            args.host,
            args.port,
            application(persistence),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
    finally:
        if persistence is not None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the last save
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            persistence.close()


if __name__ == "__main__":
    main()
