"""Every byte read from a partner is capped in size and in time, token endpoints included, against a
real local server that drips (a byte at a time, each well inside the per-read timeout) or streams far
more than any answer needs. The server counts what it managed to send before the gateway hung up."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from cockpit.errors import UpstreamError, UpstreamTimeout
from cockpit.partners.auth import OutboundAuthenticator
from cockpit.partners.model import OAuth2ClientCredentials
from cockpit.partners.target import PartnerCaller
from cockpit.partners.transport import pinned_client
from cockpit.tools.model import Caller, Role, ToolInvocation
from tests.support.hostile_server import HUGE, HostileServer
from tests.support.partners import parking_tools


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
