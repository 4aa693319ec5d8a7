"""The headline: a tool call through the router (routing, auth context and token expiry, body model, JSON
Schema validation, policy, metrics, response model), its target at zero cost, against a raw pydantic
handler in the same run; the same call over MCP; the booking function's own search beside it (its two
DynamoDB queries answered in process, against the raw handler making the same queries); and the router's
rate limiter on (its UpdateItem answered in process, against the raw handler making one UpdateItem)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from bench.harness import (
    FIND_STATIONS,
    Rounds,
    Table,
    Unlimited,
    ZeroCostDynamo,
    ZeroTarget,
    function_env,
    quiet,
    ratio,
    raw_call,
    router_call,
    signed_in,
    timing,
)
from bench.scenarios.booking import raw_with_queries, search_call

GOAL = 4.5  # router invoke (read tool) at the median, in multiples of the raw handler
ROUTER = "router invoke (read tool)"
MCP_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


def invoke_event() -> dict[str, Any]:
    from tests.support import events

    return signed_in(events.invoke("charging_find_stations", FIND_STATIONS))


def mcp_event() -> dict[str, Any]:
    """The same call over MCP 2026-07-28 (tools/call, its headers and _meta)."""
    from tests.support import events

    params = {"name": "charging_find_stations", "arguments": FIND_STATIONS, "_meta": MCP_META}
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
    headers = {
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": "charging_find_stations",
    }
    return signed_in(events.api("POST", "/mcp", raw_body=json.dumps(message), headers=headers))


@contextlib.contextmanager
def zero_cost_router(*, rate_limited: bool = False) -> Iterator[None]:
    """The router's dispatcher as its wiring builds it (`cockpit.dispatch.wiring.build`: the first-party
    tools, then a partner source never read for a first-party name), its target at zero cost and, unless
    `rate_limited`, no rate limit. Settings are read from the router's environment, which the caller
    sets (`function_env("RouterFunction")`, or the fresh interpreter's own environment)."""
    from cockpit.dispatch import wiring
    from tests.support.partners import FakePartnerToolSource
    from tests.support.wiring import wire

    parts: dict[str, Any] = {"partner_source": FakePartnerToolSource(), "targets": ZeroTarget()}
    if not rate_limited:
        parts["limiter"] = Unlimited()
    wire("cockpit.dispatch", **parts)
    try:
        with quiet():
            yield
    finally:
        wiring.dispatcher.cache_clear()  # for this measurement only


# wide buckets: thousands of calls a second from one car are measured, never refused
WIDE_LIMITS = json.dumps(
    {k: {"per_minute": 60000, "burst": 10000} for k in ("vehicle", "read", "write", "payment", "partner")}
)


@contextlib.contextmanager
def limited_router() -> Iterator[tuple[Callable[[], Any], Callable[[], Any]]]:
    """(the router with its rate limiter on, as its wiring builds it from the template's settings with
    wide limits, the raw handler plus one UpdateItem), the UpdateItem answered in process at zero cost."""
    from bench.harness import function_env
    from cockpit import aws
    from cockpit.dispatch.wiring import DispatchSettings
    from cockpit.settings import get_settings

    with function_env("RouterFunction", RATE_LIMITS=WIDE_LIMITS):
        table = get_settings(DispatchSettings).idempotency_table
        client = aws.client("dynamodb")
        answered = ZeroCostDynamo(client, "UpdateItem", b"{}")
        raw = raw_call()
        update = {
            "TableName": table,
            "Key": {"pk": {"S": "RATE#bench"}},
            "UpdateExpression": "SET n = :n",
            "ExpressionAttributeValues": {":n": {"N": "1"}},
        }

        def raw_plus_update() -> Any:
            client.update_item(**update)
            return raw()

        try:
            with zero_cost_router(rate_limited=True):
                yield router_call(invoke_event()), raw_plus_update
        finally:
            answered.close()


def tables(rounds: Rounds) -> Iterator[Table]:
    with function_env("RouterFunction", "BookingFunction"), zero_cost_router():
        router, mcp = router_call(invoke_event()), router_call(mcp_event())
        assert router()["statusCode"] == 200
        assert json.loads(mcp()["body"])["result"]["resultType"] == "complete"
        with search_call() as booking:
            assert booking()["status"] == "succeeded"
            calls = [
                ("raw pydantic handler", raw_call()),
                ("raw handler + the same 2 DynamoDB queries (zero cost)", raw_with_queries()),
                ("booking.handler search (DynamoDB at zero cost)", booking),
                ("MCP 2026-07-28 tools/call (same read tool)", mcp),
                (ROUTER, router),
            ]
            table = timing(
                "Warm overhead: tool call through the router, target at zero cost "
                f"({rounds.warm} calls each, µs)",
                calls,
                rounds.warm,
                rounds.warmup,
            )
    with limited_router() as (limited, raw_plus_update):
        assert limited()["statusCode"] == 200
        more = timing(
            "",
            [
                ("raw pydantic handler", raw_call()),
                ("raw handler + 1 DynamoDB UpdateItem (zero cost)", raw_plus_update),
                ("router invoke (read tool), rate limiter on (UpdateItem at zero cost)", limited),
            ],
            rounds.warm,
            rounds.warmup,
        )
    table.rows.extend(more.rows[1:])
    verdict = "met" if ratio(table, ROUTER) <= GOAL else "NOT met"
    table.notes.append(f"Goal: router invoke ≤ {GOAL:.1f}× raw at the median → {verdict}")
    yield table
