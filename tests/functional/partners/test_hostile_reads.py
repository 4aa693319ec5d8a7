"""Every byte read from a partner is capped in size and in time, token endpoints included, against a
real local server that drips (a byte at a time, each well inside the per-read timeout) or streams far
more than any answer needs. The server counts what it managed to send before the gateway hung up."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cockpit.errors import UpstreamError, UpstreamTimeout
from cockpit.partners.auth import OutboundAuthenticator
from cockpit.partners.model import OAuth2ClientCredentials
from cockpit.partners.target import PartnerCaller
from cockpit.partners.transport import pinned_client
from cockpit.tools.model import Caller, Role, ToolInvocation
from tests.support.partners import parking_tools

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


class Secrets:
    def field(self, _arn: str, name: str) -> str:
        return {"client_secret": "s3cr3t", "key": "sign-key"}[name]


def caller(*, token_timeout_s: float = 5.0) -> PartnerCaller:
    client, secrets = pinned_client(dev_mode=True), Secrets()
    auth = OutboundAuthenticator(secrets, client, dev_mode=True, token_timeout_s=token_timeout_s)
    return PartnerCaller(client=client, secrets=secrets, authenticator=auth,
                         subject_key=lambda: b"gateway-key", dev_mode=True)  # fmt: skip


def invocation(tool: str) -> ToolInvocation:
    return ToolInvocation(invocation_id="inv-1", tool=tool, arguments={"spot_id": "spot-1"},
                          caller=Caller(sub="vin-test-1", role=Role.VEHICLE))  # fmt: skip


@pytest.fixture
def unreachable_partner() -> Iterator[str]:
    """A partner base URL nothing answers: the calls below must fail at the token, before it."""
    with socket.create_server(("127.0.0.1", 0)) as s:
        yield f"http://127.0.0.1:{s.getsockname()[1]}/v2"


def get_spot(base_url: str, token_url: str) -> Any:
    auth = OAuth2ClientCredentials(token_url=token_url, client_id="cockpit", secret_arn="oauth")
    return next(t for t in parking_tools(base_url, signing_arn="sign", auth=auth)
                if t.operation.operation_id == "getSpot")  # fmt: skip


def test_a_token_endpoint_dripping_a_valid_token_is_cut_at_the_exchange_deadline(
    unreachable_partner: str,
) -> None:
    token = {"access_token": "tok-dripped", "expires_in": 600}
    with HostileServer("drip", token) as server:
        tool = get_spot(unreachable_partner, server.url + "/oauth/token")
        with pytest.raises(UpstreamTimeout, match="token endpoint did not answer in time"):
            caller(token_timeout_s=1.0).call(tool, invocation(tool.spec.name))
    whole = len(json.dumps(token)) + 90  # head and body: a per-read timeout alone would have read it all
    assert 0 < server.sent < whole


def test_a_token_endpoint_streaming_64_mib_is_refused_after_64_kib(unreachable_partner: str) -> None:
    with HostileServer("huge", {}) as server:
        tool = get_spot(unreachable_partner, server.url + "/oauth/token")
        with pytest.raises(UpstreamError, match="more than 64 KiB"):
            caller().call(tool, invocation(tool.spec.name))
    assert server.sent < HUGE // 8  # the gateway hung up long before the end (socket buffers aside)


def test_a_partner_dripping_its_headers_is_cut_at_the_tool_timeout() -> None:
    spot = {"id": "spot-1", "name": "P1", "free": 3}
    with HostileServer("drip", spot) as server:
        tool = next(t for t in parking_tools(server.url + "/v2", signing_arn="sign", timeout_ms=1000)
                    if t.operation.operation_id == "getSpot")  # fmt: skip
        with pytest.raises(UpstreamTimeout):
            caller().call(tool, invocation(tool.spec.name))
    assert 0 < server.sent < 60  # the status line and part of the headers, not the answer
