"""A real local HTTP server that misbehaves as a hostile upstream (partner, token endpoint, CPO) would:
it drips a valid answer a byte at a time (each byte well inside any per-read timeout) or streams far
more than any answer needs. It counts what it managed to send before the gateway hung up."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from typing import Any

DRIP_EVERY_S = 0.2  # far inside every per-read timeout: only a total deadline stops it
HUGE = 64 * 1024 * 1024


class HostileServer:
    """One mode per server: `drip` sends a whole valid answer a byte at a time; `huge` answers 200 with
    a JSON-looking body of 64 MiB and no Content-Length. `sent` is how many bytes went out."""

    def __init__(self, mode: str, answer: dict[str, Any]) -> None:
        self.mode, self.answer, self.sent, self.done = mode, answer, 0, threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.listener.close()
        self.done.wait(10)

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            self.done.set()
            return
        with conn:
            conn.recv(65536)  # the request (small: a form or a GET)
            with contextlib.suppress(OSError):  # the gateway hung up: `sent` is what it took
                self._drip(conn) if self.mode == "drip" else self._flood(conn)
        self.done.set()

    def _drip(self, conn: socket.socket) -> None:
        body = json.dumps(self.answer).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        for byte in head.encode() + body:
            conn.sendall(bytes([byte]))
            self.sent += 1
            time.sleep(DRIP_EVERY_S)

    def _flood(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        conn.sendall(b'{"access_token": "')
        chunk = b"a" * 65536
        while self.sent < HUGE:
            conn.sendall(chunk)
            self.sent += len(chunk)
