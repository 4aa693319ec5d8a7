"""The official MCP Python SDK (`mcp` 2.x) drives POST /mcp as any host would, in both protocol eras, over
real HTTP through the authorizer: discovery or the handshake, tools/list, reads, writes with the driver's
confirmation (an elicitation callback answering accept and decline on 2026-07-28; the documented `_meta`
fields on the handshake revisions), and an accepted charging start followed to its end through MCP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import httpx2
import mcp_types as types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.support.local_gateway import GatewayUrl

HERE = {"lat": 31.2304, "lon": 121.4737}
PAY = {
    "amount": {"amount": 4550, "currency": "CNY"},
    "merchant": "shanghai_star_charging",
    "purpose": "charging",
}


def client(
    url: GatewayUrl, token: str, mode: str, answers: list[str] | None = None, seen: list[str] | None = None
) -> Client:
    """An SDK client with the vehicle's token; `answers` are what the driver says to each question."""

    async def elicit(_ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        assert seen is not None and answers
        seen.append(params.message)
        return types.ElicitResult(action=answers.pop(0), content={})  # type: ignore[arg-type]

    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60.0)
    transport = streamable_http_client(f"{url}/mcp", http_client=http, terminate_on_close=False)
    callback = elicit if answers is not None else None
    return Client(transport, mode=mode, elicitation_callback=callback, raise_exceptions=True)  # type: ignore[arg-type]


def run(test: Callable[[], Awaitable[None]]) -> None:
    anyio.run(test)


def vehicle(token: Callable[..., str]) -> str:
    return token("vehicle", f"vin-sdk-{uuid.uuid4().hex[:8]}")


def test_sdk_2026_07_28_confirms_a_payment_by_elicitation(
    gateway_url: GatewayUrl, token: Callable[..., str]
) -> None:
    seen: list[str] = []

    async def go() -> None:
        async with client(gateway_url, vehicle(token), "2026-07-28", ["accept", "decline"], seen) as c:
            assert c.protocol_version == "2026-07-28"
            tools = {t.name: t for t in (await c.list_tools()).tools}
            assert tools["charging_stop_session"].annotations.destructive_hint is True  # type: ignore[union-attr]
            paid = await c.call_tool("payments_create_payment", PAY)
            assert not paid.is_error and paid.structured_content is not None
            payment = paid.structured_content["payment"]
            assert payment["amount"] == {"amount": 4550, "currency": "CNY"} and payment["captured"]
            declined = await c.call_tool("payments_create_payment", PAY)
            assert declined.is_error and "declined" in declined.content[0].text  # type: ignore[union-attr]
            got = await c.call_tool("payments_get_payment", {"payment_id": payment["id"]})
            assert got.structured_content["payment"]["id"] == payment["id"]  # type: ignore[index]

    run(go)
    assert len(seen) == 2 and all(q.startswith("Pay ¥45.50 to Shanghai Star Charging") for q in seen)


def test_sdk_auto_mode_discovers_the_modern_era_and_follows_charging_to_its_end(
    gateway_url: GatewayUrl, token: Callable[..., str]
) -> None:
    async def go() -> None:
        async with client(gateway_url, vehicle(token), "auto", ["accept"], []) as c:
            assert c.protocol_version == "2026-07-28"
            found = await c.call_tool("charging_find_stations", {"location": HERE, "limit": 1})
            station = found.structured_content["stations"][0]["id"]  # type: ignore[index]
            started = await c.call_tool("charging_start_session", {"station_id": station})
            assert not started.is_error and started.structured_content is not None
            session, operation = (
                started.structured_content["session"],
                started.structured_content["operation"],
            )
            follow = operation["follow"]
            followed = await c.call_tool(follow["tool"], follow["arguments"])
            done = followed.structured_content["operation"]  # type: ignore[index]
            assert done["status"] == "succeeded" and done["result"]["session"]["id"] == session["id"]
            stopped = await c.call_tool("charging_stop_session", {"session_id": session["id"]})
            assert stopped.structured_content["session"]["status"] == "COMPLETED"  # type: ignore[index]
            missing = await c.call_tool("charging_get_session", {"session_id": "cs_" + "0" * 24})
            assert missing.is_error  # a tool answer the model can read, not a protocol error

    run(go)


def test_sdk_handshake_revision_confirms_through_the_documented_meta(
    gateway_url: GatewayUrl, token: Callable[..., str]
) -> None:
    async def go() -> None:
        async with client(gateway_url, vehicle(token), "legacy") as c:
            assert c.protocol_version == "2025-11-25"
            no_key = await c.call_tool("payments_create_payment", PAY)
            detail = json.loads(no_key.content[0].text)["detail"]  # type: ignore[union-attr]
            assert no_key.is_error and 'params._meta["cockpit/idempotency_key"]' in detail
            key = {"cockpit/idempotency_key": f"sdk-{uuid.uuid4().hex}"}
            asked = await c.call_tool("payments_create_payment", PAY, meta=key)  # type: ignore[arg-type]
            question = asked.structured_content["confirmation_required"]  # type: ignore[index]
            assert question["summary"].startswith("Pay ¥45.50") and not asked.is_error
            confirmation = (asked.meta or {})["cockpit/confirmation"]
            assert confirmation["token"] not in str(asked.content) + str(asked.structured_content)
            meta = {**key, "cockpit/confirmation_token": confirmation["token"]}
            paid = await c.call_tool("payments_create_payment", PAY, meta=meta)  # type: ignore[arg-type]
            again = await c.call_tool("payments_create_payment", PAY, meta=meta)  # type: ignore[arg-type]
            assert paid.structured_content["payment"]["captured"]  # type: ignore[index]
            assert again.structured_content == paid.structured_content
            # An accepted start on this revision too: structured, naming the session, followed through MCP.
            found = await c.call_tool("charging_find_stations", {"location": HERE, "limit": 1})
            start = ("charging_start_session", {"station_id": found.structured_content["stations"][0]["id"]})  # type: ignore[index]
            key = {"cockpit/idempotency_key": f"sdk-{uuid.uuid4().hex}"}
            asked = await c.call_tool(*start, meta=key)  # type: ignore[arg-type]
            yes = (asked.meta or {})["cockpit/confirmation"]["token"]
            started = await c.call_tool(*start, meta={**key, "cockpit/confirmation_token": yes})  # type: ignore[arg-type]
            session = started.structured_content["session"]  # type: ignore[index]
            follow = started.structured_content["operation"]["follow"]  # type: ignore[index]
            followed = await c.call_tool(follow["tool"], follow["arguments"])
            assert followed.structured_content["operation"]["result"]["session"]["id"] == session["id"]  # type: ignore[index]

    run(go)


def test_deep_nesting_and_batches_are_4xx(http: httpx.Client, token: Callable[..., str]) -> None:
    headers = {"Authorization": f"Bearer {vehicle(token)}", "Content-Type": "application/json"}
    deep = http.post("/mcp", content="[" * 5000 + "]" * 5000, headers=headers)
    batch = http.post("/mcp", content='[{"jsonrpc":"2.0","id":1,"method":"ping"}]', headers=headers)
    null_id = http.post("/mcp", content='{"jsonrpc":"2.0","id":null,"method":"ping"}', headers=headers)
    big = http.post("/mcp", content='{"x":"' + "y" * 300_000 + '"}', headers=headers)
    assert [deep.status_code, batch.status_code, null_id.status_code, big.status_code] == [400, 400, 400, 413]
